import { JobContentionError } from '../errors/job-contention-error';
import { isTerminal } from '../job';
import { isFromEarlierRound } from '../job-rounds';
import { transition } from '../job-state-machine';
import type { DeadLetter, DeadLetterQueue } from '../ports/dead-letter-queue';
import type { JobLog } from '../ports/job-log';
import type { JobMetrics } from '../ports/job-metrics';
import type { JobsRepository } from '../ports/jobs-repository';
import { retryOnConflict } from '../retry-on-conflict';
import { DEAD_LETTER_HOLD_SECONDS, subjectOfDeadLetter, type DeadLetterSubject } from './dead-letters';

export interface RecordDeadLettersDeps {
  repository: JobsRepository;
  log: JobLog;
  clock: () => Date;
  metrics?: JobMetrics;
}

export interface RecordDeadLettersResult {
  /** Dead letters looked at. */
  seen: number;
  /** Jobs newly marked failed and dead-lettered. */
  recorded: number;
  /** Dead letters deleted because they are from a round of their job that a retry or redrive replaced. */
  discarded: number;
}

/** Most dead letters one run looks at; a fuller DLQ is finished by the next runs. */
const MAX_LETTERS_PER_RUN = 500;

/**
 * Makes every job whose message reached the DLQ visibly `failed` with `deadLettered: true`, and
 * leaves the messages in the DLQ for an operator to redrive. Each message is held (invisible)
 * while its job is marked and released at the end, so one run sees each message once and a
 * concurrent redrive never moves a message the recorder is still acting on. A letter from an
 * earlier round of its job is about a run that is over (the job was retried or redriven since):
 * it is deleted and the job left alone.
 */
export async function recordDeadLetters(
  deps: RecordDeadLettersDeps,
  deadLetters: DeadLetterQueue,
): Promise<RecordDeadLettersResult> {
  const held: DeadLetter[] = [];
  const result: RecordDeadLettersResult = { seen: 0, recorded: 0, discarded: 0 };
  try {
    while (result.seen < MAX_LETTERS_PER_RUN) {
      const letters = await deadLetters.receive(10, DEAD_LETTER_HOLD_SECONDS);
      if (letters.length === 0) break;
      result.seen += letters.length;
      for (const letter of letters) {
        const outcome = await recordOne(deps, subjectOfDeadLetter(letter.body));
        if (outcome === 'discarded') {
          await deadLetters.delete(letter);
          result.discarded++;
          continue;
        }
        held.push(letter);
        if (outcome === 'recorded') result.recorded++;
      }
    }
  } finally {
    await deadLetters.release(held);
  }
  return result;
}

/** A job that keeps changing is left for the next run, its letter kept. */
async function recordOne(
  deps: RecordDeadLettersDeps,
  subject: DeadLetterSubject | undefined,
): Promise<'recorded' | 'discarded' | 'kept'> {
  if (!subject) return 'kept';
  const { jobId, round } = subject;
  try {
    return await retryOnConflict(deps.repository, jobId, async (job) => {
      if (!job) return 'kept';
      if (isFromEarlierRound(job, round)) {
        deps.log.info('Dead letter from an earlier round discarded', { jobId, type: job.type, round });
        return 'discarded';
      }
      if (isTerminal(job.status)) return 'kept';
      await deps.repository.save(
        job,
        transition(job, 'failed', deps.clock(), {
          deadLettered: true,
          error: { kind: 'dead-lettered', message: 'The message reached the dead-letter queue' },
        }),
      );
      deps.metrics?.jobFailed(job.type);
      deps.log.warn('Job dead-lettered', { jobId, type: job.type, round, attempt: job.attempts });
      return 'recorded';
    });
  } catch (error) {
    if (!(error instanceof JobContentionError)) throw error;
    deps.log.warn('Dead letter not recorded: job under contention, next run retries', { jobId });
    return 'kept';
  }
}

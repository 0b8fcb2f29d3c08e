import { JobContentionError } from '../errors/job-contention-error';
import { isTerminal } from '../job';
import { transition } from '../job-state-machine';
import type { DeadLetterQueue } from '../ports/dead-letter-queue';
import type { JobLog } from '../ports/job-log';
import type { JobMetrics } from '../ports/job-metrics';
import type { JobsRepository } from '../ports/jobs-repository';
import { retryOnConflict } from '../retry-on-conflict';
import { DEAD_LETTER_HOLD_SECONDS, jobIdOfDeadLetter } from './dead-letters';

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
}

/** Most dead letters one run looks at; a fuller DLQ is finished by the next runs. */
const MAX_LETTERS_PER_RUN = 500;

/**
 * Makes every job whose message reached the DLQ visibly `failed` with `deadLettered: true`, and
 * leaves the messages in the DLQ for an operator to redrive. Each message is held (invisible)
 * while its job is marked and released at the end, so one run sees each message once and a
 * concurrent redrive never moves a message the recorder is still acting on.
 */
export async function recordDeadLetters(
  deps: RecordDeadLettersDeps,
  deadLetters: DeadLetterQueue,
): Promise<RecordDeadLettersResult> {
  const held = [];
  let recorded = 0;
  try {
    while (held.length < MAX_LETTERS_PER_RUN) {
      const letters = await deadLetters.receive(10, DEAD_LETTER_HOLD_SECONDS);
      if (letters.length === 0) break;
      held.push(...letters);
      for (const letter of letters) {
        if (await markDeadLettered(deps, jobIdOfDeadLetter(letter.body))) recorded++;
      }
    }
  } finally {
    await deadLetters.release(held);
  }
  return { seen: held.length, recorded };
}

/** True when this call marked the job; a job that keeps changing is left for the next run, its letter still held. */
async function markDeadLettered(deps: RecordDeadLettersDeps, jobId: string | undefined): Promise<boolean> {
  if (!jobId) return false;
  try {
    return await retryOnConflict(deps.repository, jobId, async (job) => {
      if (!job || isTerminal(job.status)) return false;
      await deps.repository.save(
        job,
        transition(job, 'failed', deps.clock(), {
          deadLettered: true,
          error: { kind: 'dead-lettered', message: 'The message reached the dead-letter queue' },
        }),
      );
      deps.metrics?.jobFailed(job.type);
      deps.log.warn('Job dead-lettered', { jobId, type: job.type, attempt: job.attempts });
      return true;
    });
  } catch (error) {
    if (!(error instanceof JobContentionError)) throw error;
    deps.log.warn('Dead letter not recorded: job under contention, next run retries', { jobId });
    return false;
  }
}

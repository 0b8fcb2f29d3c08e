import { JobContentionError } from '../errors/job-contention-error';
import type { JobType } from '../job';
import { isFromEarlierRound, messageFor, startNextRound } from '../job-rounds';
import type { DeadLetter, DeadLetterQueue } from '../ports/dead-letter-queue';
import type { JobLog } from '../ports/job-log';
import type { JobMessage, JobQueue } from '../ports/job-queue';
import type { JobsRepository } from '../ports/jobs-repository';
import { retryOnConflict } from '../retry-on-conflict';
import { DEAD_LETTER_HOLD_SECONDS, subjectOfDeadLetter } from './dead-letters';

export interface RedriveDeps {
  repository: JobsRepository;
  queue: JobQueue;
  log: JobLog;
  clock: () => Date;
}

export interface RedriveResult {
  /** Jobs reset to queued and sent back to their queue. */
  moved: number;
  /** Dead letters removed because their job had already moved on (completed, cancelled, running). */
  discarded: number;
  /**
   * Dead letters left in the DLQ: unreadable, about a job that no longer exists, or about a job
   * whose reset lost every race (a later redrive moves it).
   */
  skipped: number;
}

/** Most dead letters one redrive moves, so a request stays well inside the API's timeout. */
const MAX_LETTERS_PER_REDRIVE = 200;

/**
 * Moves a type's dead letters back to its queue: receive → start the job's next round, `queued`
 * with fresh attempts (conditionally) → send → delete. A crash between steps is safe to repeat: a job found
 * already `queued` with its letter still in the DLQ is sent again, and duplicate messages are
 * harmless to the consumer.
 */
export async function redriveDeadLetters(
  deps: RedriveDeps,
  type: JobType,
  deadLetters: DeadLetterQueue,
): Promise<RedriveResult> {
  const result: RedriveResult = { moved: 0, discarded: 0, skipped: 0 };
  const unmovable: DeadLetter[] = [];
  try {
    let handled = 0;
    while (handled < MAX_LETTERS_PER_REDRIVE) {
      const letters = await deadLetters.receive(10, DEAD_LETTER_HOLD_SECONDS);
      if (letters.length === 0) break;
      handled += letters.length;
      for (const letter of letters) {
        const outcome = await redriveOne(deps, type, letter);
        result[outcome]++;
        if (outcome === 'skipped') unmovable.push(letter);
        else await deadLetters.delete(letter);
      }
    }
  } finally {
    await deadLetters.release(unmovable);
  }
  deps.log.info('Dead letters redriven', { type, ...result });
  return result;
}

async function redriveOne(deps: RedriveDeps, type: JobType, letter: DeadLetter): Promise<keyof RedriveResult> {
  const subject = subjectOfDeadLetter(letter.body);
  if (!subject) return 'skipped';
  const { jobId, round } = subject;
  let outcome: JobMessage | 'skipped' | 'discarded';
  try {
    outcome = await retryOnConflict(deps.repository, jobId, async (job) => {
      if (!job) return 'skipped';
      // Already reset (a crash between reset and send, or a retry): sending its round's message again is harmless.
      if (job.status === 'queued') return messageFor(job);
      // A letter of an earlier round is about a run that is over; the job's current round decides.
      if (job.status !== 'failed' || isFromEarlierRound(job, round)) return 'discarded';
      const reset = await deps.repository.save(job, startNextRound(job, deps.clock(), job.maxAttempts));
      deps.log.info('Job redriven', { jobId, type, round: reset.round, attempt: 0 });
      return messageFor(reset);
    });
  } catch (error) {
    if (!(error instanceof JobContentionError)) throw error;
    // The job is still failed: sending its message or deleting its letter now would lose it.
    deps.log.warn('Dead letter kept: the job changed during every reset attempt', { jobId, type });
    return 'skipped';
  }
  if (outcome === 'skipped' || outcome === 'discarded') return outcome;
  await deps.queue.enqueue(outcome, 0);
  return 'moved';
}

import type { Job } from './job';
import { transition } from './job-state-machine';
import type { JobMessage } from './ports/job-queue';

/**
 * A job's round is one run of it, from submission (round 1) to a final status. Retrying or
 * redriving a failed job starts the next round, and every message carries the round it was sent
 * for. A message from an earlier round (a dead letter still in the DLQ, a duplicate still in the
 * queue) is about a run that is over: it must neither drive the new run nor fail it.
 */

/** Jobs stored before rounds existed, and messages sent before, are in round 1. */
export const FIRST_ROUND = 1;

export function roundOf(job: Pick<Job, 'round'>): number {
  return job.round ?? FIRST_ROUND;
}

/** The message that drives the job's current round. */
export function messageFor(job: Pick<Job, 'id' | 'type' | 'round'>): JobMessage {
  return { jobId: job.id, type: job.type, round: roundOf(job) };
}

/**
 * The idempotency key of the job's current round for its providers: every attempt of one run
 * shares it (a re-run after a crash must not deliver again), the next round gets its own (a
 * failed job retried by hand is meant to deliver).
 */
export function providerIdempotencyKey(job: Pick<Job, 'id' | 'round'>): string {
  return `${job.id}:${roundOf(job)}`;
}

/** Whether a message (or dead letter) of `round` belongs to a run of the job that is over. */
export function isFromEarlierRound(job: Pick<Job, 'round'>, round: number): boolean {
  return round < roundOf(job);
}

/**
 * A failed job's next round: back to `queued` with fresh attempts and the type's current
 * `maxAttempts`, the previous run's result, error, dead-letter mark and due date dropped.
 * The state machine refuses it for any status but `failed`.
 */
export function startNextRound(job: Job, now: Date, maxAttempts: number): Job {
  return transition(job, 'queued', now, {
    round: roundOf(job) + 1,
    attempts: 0,
    maxAttempts,
    error: undefined,
    result: undefined,
    deadLettered: undefined,
    runAt: undefined,
  });
}

import type { HistoryEntry, Job } from './job';
import { roundOf } from './job-rounds';
import { HISTORY_LIMIT, transition } from './job-state-machine';
import type { JobMessage } from './ports/job-queue';

/**
 * The claim of a job's first attempt in its round, decided from the message alone: almost every
 * delivery finds its job `queued` (or `delayed` and due) with no attempt made, so the worker
 * claims it in one conditional write instead of reading it first. Any other state (a retry, a
 * reclaim after a lost lease, a cancelled or finished job) fails that write's condition, and the
 * worker decides on the job as the failed write returned it.
 */
export interface FirstClaim {
  readonly jobId: string;
  readonly type: string;
  readonly round: number;
  /** The claim's time (ISO 8601): the job's `updatedAt` and its history entry's `at`. */
  readonly at: string;
  /** Until when the worker owns the job (ISO 8601). */
  readonly leaseUntil: string;
}

export function firstClaimOf(message: JobMessage, now: Date, leaseSeconds: number): FirstClaim {
  return {
    jobId: message.jobId,
    type: message.type,
    round: message.round,
    at: now.toISOString(),
    leaseUntil: new Date(now.getTime() + leaseSeconds * 1000).toISOString(),
  };
}

/**
 * Whether the claim applies to `job` as stored. Its history must have room for the claim's entry
 * without dropping one: a store appends the entry and cannot drop the oldest in the same write.
 */
export function admitsFirstClaim(job: Job, claim: FirstClaim): boolean {
  return (
    job.type === claim.type &&
    roundOf(job) === claim.round &&
    job.attempts === 0 &&
    job.attempts < job.maxAttempts &&
    job.history.length < HISTORY_LIMIT &&
    (job.status === 'queued' || (job.status === 'delayed' && job.runAt !== undefined && job.runAt <= claim.at))
  );
}

/** The job a first claim makes of `job`: the ordinary transition to `processing`, attempt 1. */
export function applyFirstClaim(job: Job, claim: FirstClaim): Job {
  return transition(job, 'processing', new Date(claim.at), { attempts: 1, leaseUntil: claim.leaseUntil });
}

/** The history entry the claim appends (as applyFirstClaim does), for a store that writes it itself. */
export function firstClaimEntry(claim: FirstClaim): HistoryEntry {
  return { status: 'processing', at: claim.at, attempt: 1 };
}

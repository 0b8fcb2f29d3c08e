import { IllegalTransitionError } from './errors/illegal-transition-error';
import { EXTERNAL_JOB_TYPE, isTerminal, type HistoryEntry, type Job, type JobStatus } from './job';

/** Worker-driven jobs (email, sms, cleanup) and externally driven jobs follow different machines. */
export type JobKind = 'worker' | 'external';

export function kindOf(job: Pick<Job, 'type'>): JobKind {
  return job.type === EXTERNAL_JOB_TYPE ? 'external' : 'worker';
}

/**
 * Every transition a worker-driven job may take. Anything not listed is rejected, so a bug or
 * a stale message can never move a finished job back into play.
 */
const WORKER_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['processing', 'cancelled', 'failed'],
  delayed: ['delayed', 'processing', 'cancelled', 'failed'],
  // processing → processing is a reclaim after the previous worker's lease expired.
  processing: ['processing', 'completed', 'retrying', 'failed'],
  retrying: ['processing', 'cancelled', 'failed'],
  // A dead-lettered job that is redriven starts again.
  failed: ['queued'],
  completed: [],
  cancelled: [],
  pending: [],
  done: [],
};

/** An external system reports its job's progress; it may report the same status again, or go back to pending. */
const EXTERNAL_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  pending: ['pending', 'processing', 'done', 'failed'],
  processing: ['pending', 'processing', 'done', 'failed'],
  done: [],
  failed: [],
  queued: [],
  delayed: [],
  retrying: [],
  completed: [],
  cancelled: [],
};

const TRANSITIONS: Record<JobKind, Readonly<Record<JobStatus, readonly JobStatus[]>>> = {
  worker: WORKER_TRANSITIONS,
  external: EXTERNAL_TRANSITIONS,
};

/** Finished jobs stay readable this long, then DynamoDB's TTL removes them. */
export const FINISHED_JOB_RETENTION_SECONDS = 30 * 24 * 60 * 60;

/** How many history entries a job keeps; the oldest are dropped first. */
export const HISTORY_LIMIT = 50;

export function canTransition(from: JobStatus, to: JobStatus, kind: JobKind = 'worker'): boolean {
  return TRANSITIONS[kind][from].includes(to);
}

export function assertTransition(from: JobStatus, to: JobStatus, kind: JobKind = 'worker'): void {
  if (!canTransition(from, to, kind)) throw new IllegalTransitionError(from, to);
}

export type JobChanges = Partial<
  Pick<
    Job,
    | 'round'
    | 'attempts'
    | 'maxAttempts'
    | 'runAt'
    | 'leaseUntil'
    | 'nextAttemptAt'
    | 'result'
    | 'error'
    | 'deadLettered'
    | 'expiresAt'
  >
>;

/** Fields that describe the current stage only and are dropped by a transition unless set again. */
const STAGE_FIELDS = ['leaseUntil', 'nextAttemptAt'] as const;

/**
 * Returns the job after moving it to `to`: version + 1, `updatedAt` = now, one history entry
 * appended. The caller persists it conditionally on the version it read.
 */
export function transition(job: Job, to: JobStatus, now: Date, changes: JobChanges = {}): Job {
  assertTransition(job.status, to, kindOf(job));
  const next: Job = { ...job };
  for (const field of STAGE_FIELDS) delete next[field];
  Object.assign(next, changes);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete (next as unknown as Record<string, unknown>)[key];
  }
  next.status = to;
  if (isTerminal(to) && next.expiresAt === undefined) {
    next.expiresAt = Math.floor(now.getTime() / 1000) + FINISHED_JOB_RETENTION_SECONDS;
  } else if (!isTerminal(to)) {
    delete next.expiresAt;
  }
  next.version = job.version + 1;
  next.updatedAt = now.toISOString();
  const entry: HistoryEntry = { status: to, at: next.updatedAt, attempt: next.attempts };
  if (changes.error) entry.error = changes.error.message;
  next.history = [...job.history, entry].slice(-HISTORY_LIMIT);
  return next;
}

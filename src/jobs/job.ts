/** The job record: what the API accepts, the workers transition and clients read. */

/** The name of a declared job type (see src/job-types): which ones exist is the registry's business. */
export type JobType = string;

/** Jobs whose status is driven by an external system through `PUT /jobs/{id}` rather than by a worker. */
export const EXTERNAL_JOB_TYPE = 'external';
/** A worker-run type or `external`. */
export type AnyJobType = JobType;

export const JOB_STATUSES = [
  'queued',
  'delayed',
  'processing',
  'retrying',
  'completed',
  'failed',
  'cancelled',
  // external jobs
  'pending',
  'done',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled', 'done']);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export interface JobError {
  message: string;
  /** `transient` errors are retried, `permanent` ones fail the job at once. */
  kind: 'transient' | 'permanent' | 'timeout' | 'dead-lettered' | 'enqueue';
}

export interface HistoryEntry {
  status: JobStatus;
  /** ISO 8601 */
  at: string;
  attempt: number;
  error?: string;
  /** Set on the entry the reconciler adds when it re-sends a stalled job's lost message: why. */
  rescue?: string;
}

export type JobPayload = Record<string, unknown>;

export interface Job {
  id: string;
  type: AnyJobType;
  status: JobStatus;
  /** Incremented by every write; each write is conditional on the version it read. */
  version: number;
  /**
   * Which run of the job this is: 1 from submission, incremented by each retry or redrive (see
   * job-rounds.ts). Absent on jobs stored before rounds existed, which are in round 1.
   */
  round?: number;
  attempts: number;
  maxAttempts: number;
  payload: JobPayload;
  createdAt: string;
  updatedAt: string;
  /** When a delayed job becomes due (ISO 8601). */
  runAt?: string;
  /** Until when the worker that claimed the job owns it (ISO 8601). */
  leaseUntil?: string;
  /** When a retrying job will be attempted again (ISO 8601). */
  nextAttemptAt?: string;
  result?: Record<string, unknown>;
  error?: JobError;
  deadLettered?: boolean;
  history: HistoryEntry[];
  /** Epoch seconds: DynamoDB TTL removes finished jobs after their retention. */
  expiresAt?: number;
}

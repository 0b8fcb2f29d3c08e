/**
 * The job as the API shows it. Declared here rather than imported from the server code so the
 * client stays free of dependencies (it needs nothing but `fetch`).
 */

/** A job type's name; `GET /job-types` (client.jobTypes()) lists a deployment's. */
export type JobType = string;

export const JOB_STATUSES = [
  'queued',
  'delayed',
  'processing',
  'retrying',
  'completed',
  'failed',
  'cancelled',
  // jobs driven by an external system through `PUT /jobs/{id}`
  'pending',
  'done',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job never leaves. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled', 'done'];

/** Whether a job in this status is finished; unknown statuses (a newer server) are not. */
export function isTerminalStatus(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export interface JobError {
  message: string;
  /** `transient` errors are retried, `permanent` ones fail the job at once. */
  kind: 'transient' | 'permanent' | 'timeout' | 'dead-lettered' | 'enqueue' | (string & {});
}

export interface JobHistoryEntry {
  status: JobStatus;
  /** ISO 8601 */
  at: string;
  attempt: number;
  error?: string;
}

/** A job as `GET /jobs/{id}` answers it: sensitive payload fields are masked, recipients shown partly. */
export interface Job {
  id: string;
  /** A job type's name, or `external` for a job driven through `PUT /jobs/{id}`. */
  type: JobType;
  status: JobStatus;
  /** Incremented by every change. */
  version: number;
  /** Which run of the job this is: 1 from submission, incremented by each retry or redrive. */
  round?: number;
  attempts: number;
  maxAttempts: number;
  payload: Record<string, unknown>;
  /** ISO 8601 */
  createdAt: string;
  /** ISO 8601 */
  updatedAt: string;
  /** When a delayed job becomes due (ISO 8601). */
  runAt?: string;
  leaseUntil?: string;
  nextAttemptAt?: string;
  result?: Record<string, unknown>;
  error?: JobError;
  deadLettered?: boolean;
  history: JobHistoryEntry[];
}

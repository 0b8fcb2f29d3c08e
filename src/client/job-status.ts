import type { JobStatus } from './job';

/** `GET /jobs/{id}/status`: where a job is, right now. */
export interface JobStatusSnapshot {
  id: string;
  status: JobStatus;
  version: number;
  /** ISO 8601 */
  updatedAt: string;
}

/** A long poll's answer: the snapshot, and whether its version differs from the one sent as `since`. */
export interface JobStatusChange extends JobStatusSnapshot {
  changed: boolean;
  /** The status is final: a long poll on it answers at once, as nothing more will change. */
  final: boolean;
  message: string;
}

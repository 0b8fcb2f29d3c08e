import type { Job, JobError, JobStatus, JobType } from './job';

/** `GET /jobs` filters; jobs come newest first. */
export interface ListJobsFilter {
  status?: JobStatus;
  type?: JobType | 'external';
  /** Page size (1–100). */
  limit?: number;
  /** The opaque `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * A job as listed: no payload, result, error message or history, which may carry recipients or
 * content (`get(id)` has them, masked).
 */
export type JobSummary = Pick<
  Job,
  | 'id'
  | 'type'
  | 'status'
  | 'version'
  | 'round'
  | 'attempts'
  | 'maxAttempts'
  | 'createdAt'
  | 'updatedAt'
  | 'runAt'
  | 'leaseUntil'
  | 'nextAttemptAt'
  | 'deadLettered'
> & {
  /** Only what kind of error it was. */
  error?: Pick<JobError, 'kind'>;
};

export interface JobPage {
  jobs: JobSummary[];
  /** Present when there are more jobs: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

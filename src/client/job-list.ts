import type { Job, JobStatus, JobType } from './job';

/** `GET /jobs` filters; jobs come newest first. */
export interface ListJobsFilter {
  status?: JobStatus;
  type?: JobType | 'external';
  /** Page size (1–100). */
  limit?: number;
  /** The opaque `nextCursor` of the previous page. */
  cursor?: string;
}

/** A job as listed: everything but its history (`get(id)` has that). */
export type JobSummary = Omit<Job, 'history'>;

export interface JobPage {
  jobs: JobSummary[];
  /** Present when there are more jobs: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

import type { Job, JobStatus, JobType } from './job';

/** `GET /jobs` filters; jobs come newest first. */
export interface ListJobsFilter {
  status?: JobStatus;
  type?: JobType | 'external';
  /** Page size. */
  limit?: number;
  /** The opaque `nextCursor` of the previous page. */
  cursor?: string;
}

export interface JobPage {
  jobs: Job[];
  /** Present when there are more jobs: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

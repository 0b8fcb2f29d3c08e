import type { AnyJobType, JobStatus } from '../job';
import type { JobSummary } from '../job-summary';

export interface JobFilter {
  status?: JobStatus;
  type?: AnyJobType;
}

export interface JobPage {
  /** Newest first; summaries only, which is all the indexes hold. */
  jobs: JobSummary[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

/** Read-side queries over jobs, served by indexes (never a scan). */
export interface JobListing {
  list(filter: JobFilter, limit: number, cursor?: string): Promise<JobPage>;
}

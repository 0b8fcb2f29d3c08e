import type { Job, JobError } from './job';

/**
 * A job as a listing shows it: what an operator scans a table by, and nothing a job was given or
 * produced. No payload, result or error message (each may name a recipient or carry content);
 * `GET /jobs/{id}` has those, masked.
 */
export interface JobSummary {
  id: string;
  type: Job['type'];
  status: Job['status'];
  version: number;
  round?: number;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  updatedAt: string;
  runAt?: string;
  leaseUntil?: string;
  nextAttemptAt?: string;
  deadLettered?: boolean;
  /** Only what kind of error it was: its message is the job page's. */
  error?: Pick<JobError, 'kind'>;
}

/** Fields copied as they are: an allow-list, so a field added to jobs later stays out of listings until listed here. */
const LISTED = [
  'id',
  'type',
  'status',
  'version',
  'round',
  'attempts',
  'maxAttempts',
  'createdAt',
  'updatedAt',
  'runAt',
  'leaseUntil',
  'nextAttemptAt',
  'deadLettered',
] as const satisfies readonly (keyof JobSummary & keyof Job)[];

/** What a summary is made of: the stored attributes listings read (and indexes project), no more. */
export const SUMMARY_ATTRIBUTES = [...LISTED, 'error'] as const satisfies readonly (keyof Job)[];

/** A job, or what an index projects of one: the summary's attributes. */
export type SummarySource = Pick<Job, (typeof SUMMARY_ATTRIBUTES)[number]>;

export function summarizeJob(job: SummarySource): JobSummary {
  const summary: Record<string, unknown> = {};
  for (const field of LISTED) if (job[field] !== undefined) summary[field] = job[field];
  if (job.error) summary.error = { kind: job.error.kind };
  return summary as unknown as JobSummary;
}

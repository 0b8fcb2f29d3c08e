// Type-only imports: the payload types are derived from the job types' zod schemas at compile
// time, and nothing of zod or the server reaches the client at run time.
import type { PayloadsOf } from '../jobs/define-job-type';
import type { jobTypes } from '../job-types/index';

export type { PayloadsOf };

/**
 * What each job type of this package's registry accepts, by name. With your own registry use
 * `PayloadsOf<typeof jobTypes>` as the client's type parameter: `new JobsClient<PayloadsOf<typeof jobTypes>>()`.
 */
export type JobPayloads = PayloadsOf<typeof jobTypes>;

export type EmailPayload = JobPayloads['email'];
export type SmsPayload = JobPayloads['sms'];
export type CleanupPayload = JobPayloads['cleanup'];

/** Job type name → submission payload. */
export type PayloadMap = object;

export type PayloadOf<T extends keyof JobPayloads> = JobPayloads[T];

export interface SubmitOptions {
  /** Start after this many milliseconds (at most 7 days). Not with `runAt`. */
  delay?: number;
  /** Start at this time. Not with `delay`. */
  runAt?: Date | string;
  /**
   * The same key within 24 h returns the job it created instead of a new one. Without it the
   * client generates one per call, so that retrying a submission never makes two jobs.
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

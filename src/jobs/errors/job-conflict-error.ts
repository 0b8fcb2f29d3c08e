import type { Job } from '../job';
import { JobsError } from './jobs-error';

/**
 * A conditional write lost: the job changed since it was read. A normal outcome under
 * concurrency; `current` is the job as it is now, when the store could tell.
 */
export class JobConflictError extends JobsError {
  override readonly name = 'JobConflictError';
  readonly code = 'job-conflict';
  constructor(
    readonly jobId: string,
    readonly current?: Job,
  ) {
    super(`Job ${jobId} was changed by someone else`);
  }
}

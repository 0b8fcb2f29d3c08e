import { JobsError } from './jobs-error';

/**
 * Every round of a read-modify-write lost its race: the job kept changing under us. Nothing was
 * written by this caller; retrying later is safe.
 */
export class JobContentionError extends JobsError {
  override readonly name = 'JobContentionError';
  readonly code = 'job-contention';
  constructor(
    readonly jobId: string,
    readonly rounds: number,
  ) {
    super(`Job ${jobId} changed during each of ${rounds} attempts to update it`);
  }
}

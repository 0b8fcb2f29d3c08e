import { JobsError } from './jobs-error';

/** A processing failure that no retry can fix (a hard bounce, an invalid number): the job fails at once. */
export class PermanentJobError extends JobsError {
  override readonly name = 'PermanentJobError';
  readonly code = 'permanent-job-failure';
}

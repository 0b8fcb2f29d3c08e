import { JobsError } from './jobs-error';

/** A processing failure worth retrying (a provider timeout, a 5xx, a throttle). */
export class TransientJobError extends JobsError {
  override readonly name = 'TransientJobError';
  readonly code = 'transient-job-failure';
}

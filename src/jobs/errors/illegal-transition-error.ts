import type { JobStatus } from '../job';
import { JobsError } from './jobs-error';

/** A transition the job state machine does not allow, such as `completed → processing`. */
export class IllegalTransitionError extends JobsError {
  override readonly name = 'IllegalTransitionError';
  readonly code = 'illegal-transition';
  constructor(
    readonly from: JobStatus,
    readonly to: JobStatus,
  ) {
    super(`A job cannot go from ${from} to ${to}`);
  }
}

import type { JobStatus } from '../job';

/** A transition the job state machine does not allow, such as `completed → processing`. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly from: JobStatus,
    readonly to: JobStatus,
  ) {
    super(`A job cannot go from ${from} to ${to}`);
  }
}

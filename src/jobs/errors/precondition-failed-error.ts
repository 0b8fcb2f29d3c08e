import { JobsError } from './jobs-error';

/** The client's `If-Match` version is not the job's current version. */
export class PreconditionFailedError extends JobsError {
  override readonly name = 'PreconditionFailedError';
  readonly code = 'precondition-failed';
  constructor(
    readonly jobId: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`Job ${jobId} is at version ${currentVersion}, not ${expectedVersion}`);
  }
}

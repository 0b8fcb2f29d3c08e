import { JobsError } from './jobs-error';

export class JobAlreadyExistsError extends JobsError {
  override readonly name = 'JobAlreadyExistsError';
  readonly code = 'job-already-exists';
  constructor(readonly jobId: string) {
    super(`Job ${jobId} already exists`);
  }
}

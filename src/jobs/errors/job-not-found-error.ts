import { JobsError } from './jobs-error';

export class JobNotFoundError extends JobsError {
  override readonly name = 'JobNotFoundError';
  readonly code = 'job-not-found';
  constructor(readonly jobId: string) {
    super(`There is no job ${jobId}`);
  }
}

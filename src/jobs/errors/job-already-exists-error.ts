export class JobAlreadyExistsError extends Error {
  override readonly name = 'JobAlreadyExistsError';
  constructor(readonly jobId: string) {
    super(`Job ${jobId} already exists`);
  }
}

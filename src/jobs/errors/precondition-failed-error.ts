/** The client's `If-Match` version is not the job's current version. */
export class PreconditionFailedError extends Error {
  override readonly name = 'PreconditionFailedError';
  constructor(
    readonly jobId: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`Job ${jobId} is at version ${currentVersion}, not ${expectedVersion}`);
  }
}

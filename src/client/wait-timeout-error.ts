import type { JobStatusSnapshot } from './job-status';

/** `waitFor` gave up: the job did not finish within the timeout. `lastStatus` is what was last seen. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';

  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
    readonly lastStatus: JobStatusSnapshot | undefined,
  ) {
    super(
      `Job ${jobId} did not finish within ${timeoutMs} ms` +
        (lastStatus ? `; last seen ${lastStatus.status} (version ${lastStatus.version})` : ''),
    );
  }
}

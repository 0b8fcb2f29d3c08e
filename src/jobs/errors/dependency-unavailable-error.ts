import { JobsError } from './jobs-error';

/**
 * A backing service (DynamoDB, SQS) is throttling or failing. Nothing was left half done;
 * the caller may retry after `retryAfterSeconds`.
 */
export class DependencyUnavailableError extends JobsError {
  override readonly name = 'DependencyUnavailableError';
  readonly code = 'dependency-unavailable';
  constructor(
    readonly dependency: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable, retry in ${retryAfterSeconds} s`, options);
  }
}

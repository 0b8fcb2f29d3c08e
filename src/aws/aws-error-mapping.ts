import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { DependencyUnavailableError } from '../jobs/errors/dependency-unavailable-error';

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** Throttling, 5xx and connection failures: worth a retry by the caller, not a 500. */
export function isOverloadError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdkError = error as Error & { $metadata?: object; code?: string };
  if (sdkError.code && NETWORK_ERROR_CODES.has(sdkError.code)) return true;
  const classified = { $metadata: {}, ...sdkError } as Parameters<typeof isThrottlingError>[0];
  return (
    isThrottlingError(classified) ||
    isTransientError(classified) ||
    isServerError(classified) ||
    error.name === 'RequestLimitExceeded' ||
    error.name === 'InternalServerError' ||
    error.name === 'ServiceUnavailable' ||
    error.name === 'KMSThrottlingException'
  );
}

/** Rethrows AWS overload as DependencyUnavailableError (a 503 with Retry-After at the edge); other errors pass through. */
export function mapOverload(dependency: string, retryAfterSeconds = 1): (error: unknown) => never {
  return (error: unknown) => {
    if (isOverloadError(error)) throw new DependencyUnavailableError(dependency, retryAfterSeconds, { cause: error });
    throw error;
  };
}

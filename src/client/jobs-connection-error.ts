/** The API could not be reached (refused, reset, DNS, a request that hung past its time), after the retries. */
export class JobsConnectionError extends Error {
  override readonly name = 'JobsConnectionError';

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`Cannot reach ${url}: ${JobsConnectionError.reason(cause)}`, { cause });
  }

  private static reason(cause: unknown): string {
    if (!(cause instanceof Error)) return String(cause);
    const inner = cause.cause;
    if (inner instanceof Error) {
      const code = (inner as Error & { code?: unknown }).code;
      return typeof code === 'string' ? `${code} (${inner.message})` : inner.message;
    }
    return cause.message;
  }
}

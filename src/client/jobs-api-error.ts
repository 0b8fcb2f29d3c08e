import type { InvalidField, Problem } from './problem';

/** The API answered with an error: `status` and the RFC 9457 `problem` it sent. */
export class JobsApiError extends Error {
  override readonly name: string = 'JobsApiError';
  readonly status: number;
  readonly problem: Problem;
  /** `Retry-After`, when the server sent one, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(problem: Problem, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(JobsApiError.describe(problem), options.cause === undefined ? undefined : { cause: options.cause });
    this.status = problem.status;
    this.problem = problem;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The fields the server refused (400s), empty otherwise. */
  get errors(): InvalidField[] {
    return this.problem.errors ?? [];
  }

  private static describe(problem: Problem): string {
    const fields = (problem.errors ?? []).map((e) => `${e.field} ${e.message}`).join('; ');
    const detail = problem.detail ? `: ${problem.detail}` : '';
    return `${problem.status} ${problem.title}${detail}${fields ? ` (${fields})` : ''}`;
  }
}

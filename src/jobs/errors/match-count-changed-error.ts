import { JobsError } from './jobs-error';

/** A bulk change was asked for `expected` jobs, but the filter matches `matched` now: nothing was changed. */
export class MatchCountChangedError extends JobsError {
  override readonly name = 'MatchCountChangedError';
  readonly code = 'count-changed';
  constructor(
    readonly expected: number,
    readonly matched: number,
  ) {
    super(`The filter matches ${matched} jobs now, not the ${expected} expected; nothing was retried`);
  }
}

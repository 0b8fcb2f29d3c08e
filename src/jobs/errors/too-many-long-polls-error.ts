import { JobsError } from './jobs-error';

/** The client already holds as many open long polls as it may; it can retry once one answers. */
export class TooManyLongPollsError extends JobsError {
  override readonly name = 'TooManyLongPollsError';
  readonly code = 'too-many-long-polls';
  constructor(
    readonly cap: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`At most ${cap} long polls may be open at once per token; one must answer before another starts`);
  }
}

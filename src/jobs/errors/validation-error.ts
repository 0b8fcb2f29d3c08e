import { JobsError } from './jobs-error';

export interface InvalidField {
  /** Dotted path of the offending field, `(body)` for the request as a whole. */
  field: string;
  message: string;
}

/** Input that breaks the submission rules; carries every invalid field so clients can fix all at once. */
export class ValidationError extends JobsError {
  override readonly name = 'ValidationError';
  readonly code = 'validation';
  constructor(
    readonly fields: InvalidField[],
    message = `Invalid ${fields.map((f) => f.field).join(', ')}`,
  ) {
    super(message);
  }
}

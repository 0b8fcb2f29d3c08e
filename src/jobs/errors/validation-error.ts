import { JobsError } from './jobs-error';

export interface InvalidField {
  /** Dotted path of the offending field, `(body)` for the request as a whole. */
  field: string;
  message: string;
}

/**
 * A field's dotted path as problems name it: `(body)` for the request as a whole, and an empty key
 * shown as `""`, so that no refused field is ever unnamed (`{"": 1}` is a field too).
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(body)';
  return path.map((segment) => (segment === '' ? '""' : String(segment))).join('.');
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

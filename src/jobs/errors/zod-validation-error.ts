import type * as z from 'zod';
import { fieldPath, ValidationError } from './validation-error';

/** A failed zod parse as the API's ValidationError: every issue names its field, unknown keys each by name. */
export function validationErrorOf(error: z.ZodError): ValidationError {
  return new ValidationError(
    error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? {
            field: issue.keys.map((key) => fieldPath([...issue.path, key])).join(', '),
            message: 'is not a known field',
          }
        : { field: fieldPath(issue.path), message: issue.message },
    ),
  );
}

/** A processing failure that no retry can fix (a hard bounce, an invalid number): the job fails at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

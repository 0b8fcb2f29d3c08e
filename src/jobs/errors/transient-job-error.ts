/** A processing failure worth retrying (a provider timeout, a 5xx, a throttle). */
export class TransientJobError extends Error {
  override readonly name = 'TransientJobError';
}

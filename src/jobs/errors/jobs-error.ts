/**
 * The base of every domain error: `code` is a stable machine-readable name, the key the HTTP
 * layer's problem table and log queries use, so renaming a class never changes what clients see.
 */
export abstract class JobsError extends Error {
  abstract readonly code: string;
}

import { JobsError } from './jobs-error';

/** An imported token value that is already stored (under the id derived from it). */
export class TokenAlreadyExistsError extends JobsError {
  override readonly name = 'TokenAlreadyExistsError';
  readonly code = 'token-exists';
  constructor(readonly tokenId: string) {
    super(`Token ${tokenId} already exists`);
  }
}

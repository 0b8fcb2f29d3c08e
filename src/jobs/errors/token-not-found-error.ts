import { JobsError } from './jobs-error';

export class TokenNotFoundError extends JobsError {
  override readonly name = 'TokenNotFoundError';
  readonly code = 'token-not-found';
  constructor(readonly tokenId: string) {
    super(`No token ${tokenId}`);
  }
}

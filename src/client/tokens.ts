import type { TokenScope } from '../tokens/token-scopes';

// The shapes the API's token use cases answer with (type-only: the client bundles no server code).
export type { TokenScope } from '../tokens/token-scopes';
export type { IssuedToken, TokenSummary } from '../tokens/use-cases/manage-tokens';

export interface CreateTokenRequest {
  name?: string;
  scopes: TokenScope[];
  /** Import this existing secret (an x-api-key in use) instead of generating a token. */
  token?: string;
}

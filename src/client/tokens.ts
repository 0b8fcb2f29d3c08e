/** The scopes a token can hold: see the README's Security section. */
export type TokenScope = 'jobs:read' | 'jobs:submit' | 'jobs:operate' | 'admin';

/** A token as `GET /tokens` lists it: never its secret. */
export interface TokenSummary {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdAt: string;
}

/** `POST /tokens`'s answer: the only time the token itself is shown. */
export interface IssuedToken extends TokenSummary {
  token: string;
}

export interface CreateTokenRequest {
  name?: string;
  scopes: TokenScope[];
  /** Import this existing secret (an x-api-key in use) instead of generating a token. */
  token?: string;
}

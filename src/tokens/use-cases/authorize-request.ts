import { matchesHash, tokenIdOf } from '../api-token';
import type { StoredToken, TokenStore } from '../ports/token-store';
import { grants, requiredScope, type RouteScopes } from '../token-scopes';

export interface AuthorizeRequest {
  /** The bearer token (or legacy x-api-key value); undefined when the request carries none. */
  credential: string | undefined;
  httpMethod: string;
  /** The route's resource path, e.g. /jobs/{id}. */
  resourcePath: string;
}

export type AuthorizeDecision =
  | { outcome: 'unauthorized' }
  | { outcome: 'deny'; reason: 'unknown-token' | 'unknown-route' | 'missing-scope'; tokenId?: string }
  | { outcome: 'allow'; token: StoredToken };

/** Decides one request: who is calling (the token) and whether its scopes cover the route. */
export async function authorizeRequest(
  deps: { store: TokenStore; routes: RouteScopes },
  request: AuthorizeRequest,
): Promise<AuthorizeDecision> {
  if (!request.credential) return { outcome: 'unauthorized' };
  const id = tokenIdOf(request.credential);
  const token = await deps.store.get(id);
  if (!token || !matchesHash(request.credential, token.hash)) return { outcome: 'deny', reason: 'unknown-token' };
  const scope = requiredScope(deps.routes, request.httpMethod, request.resourcePath);
  if (!scope) return { outcome: 'deny', reason: 'unknown-route', tokenId: id };
  if (!grants(token.scopes, scope)) return { outcome: 'deny', reason: 'missing-scope', tokenId: id };
  return { outcome: 'allow', token };
}

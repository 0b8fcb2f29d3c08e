import { matchesHash, tokenIdOf } from '../../tokens/api-token';
import type { TokenStore } from '../../tokens/ports/token-store';
import { grants } from '../../tokens/token-scopes';

/** What `$connect` sees of the client's upgrade request. */
export interface ConnectRequest {
  queryStringParameters?: Record<string, string | undefined> | null;
  headers?: Record<string, string | undefined> | null;
}

/**
 * The credential a client presents: the `token` query parameter (browsers cannot set headers on a
 * WebSocket), else `Authorization: Bearer …`, else `x-api-key`.
 */
export function credentialOf(request: ConnectRequest): string | undefined {
  const header = (name: string) =>
    Object.entries(request.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] || undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header('authorization') ?? '')?.[1];
  return request.queryStringParameters?.token || bearer || header('x-api-key');
}

/** Whether a connection may open: the one place `$connect` decides who gets in. */
export type ConnectCheck = (request: ConnectRequest) => Promise<boolean>;

/**
 * The REST API's tokens: a connection opens for a token (bearer, `token` query parameter or
 * x-api-key value) whose hash matches and whose scopes grant `jobs:read`, as `GET /jobs/{id}` needs.
 */
export function tokenWithReadScope(store: TokenStore): ConnectCheck {
  return async (request) => {
    const credential = credentialOf(request);
    if (!credential) return false;
    const token = await store.get(tokenIdOf(credential));
    return token !== undefined && matchesHash(credential, token.hash) && grants(token.scopes, 'jobs:read');
  };
}

import { TokenAlreadyExistsError } from '../../jobs/errors/token-already-exists-error';
import { TokenNotFoundError } from '../../jobs/errors/token-not-found-error';
import { fieldPath, ValidationError, type InvalidField } from '../../jobs/errors/validation-error';
import { generateToken, importedToken, MIN_IMPORTED_TOKEN_LENGTH } from '../api-token';
import type { StoredToken, TokenStore } from '../ports/token-store';
import type { UsageKeys } from '../ports/usage-keys';
import { isTokenScope, TOKEN_SCOPES, type TokenScope } from '../token-scopes';

export interface ManageTokensDeps {
  store: TokenStore;
  usageKeys: UsageKeys;
  clock: () => Date;
}

/** What listings show of a token: never its hash nor its usage key's value. */
export interface TokenSummary {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdAt: string;
}

export interface IssuedToken extends TokenSummary {
  /** The bearer token, shown this once. */
  token: string;
}

const NAME_PATTERN = /^[\w .:@()-]{1,64}$/;

/** Parses `{name, scopes, token?}`; `token` imports an existing secret (an x-api-key in use) instead of generating one. */
export function parseTokenRequest(body: unknown): { name: string; scopes: TokenScope[]; token?: string } {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const errors: InvalidField[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  const name = input.name ?? 'unnamed';
  if (typeof name !== 'string' || !NAME_PATTERN.test(name))
    errors.push({ field: 'name', message: 'must be 1–64 letters, digits, spaces or . : @ ( ) _ -' });
  const scopes = input.scopes;
  if (!Array.isArray(scopes) || scopes.length === 0)
    errors.push({ field: 'scopes', message: `must be a non-empty list of ${TOKEN_SCOPES.join(', ')}` });
  else
    scopes.forEach((scope, index) => {
      if (!isTokenScope(scope))
        errors.push({ field: `scopes.${index}`, message: `must be one of ${TOKEN_SCOPES.join(', ')}` });
    });
  const token = input.token;
  if (
    token !== undefined &&
    (typeof token !== 'string' || token.length < MIN_IMPORTED_TOKEN_LENGTH || token.length > 256 || /\s/.test(token))
  )
    errors.push({
      field: 'token',
      message: `must be ${MIN_IMPORTED_TOKEN_LENGTH}–256 characters without spaces (omit it to get a generated token)`,
    });
  for (const key of Object.keys(input))
    if (!['name', 'scopes', 'token'].includes(key))
      errors.push({ field: fieldPath([key]), message: 'is not a known field' });
  if (errors.length) throw new ValidationError(errors);
  return {
    name: name as string,
    scopes: [...new Set(scopes as TokenScope[])],
    ...(token !== undefined ? { token: token as string } : {}),
  };
}

/**
 * Creates a token and its usage-plan key. The key is created first and deleted again when the
 * token cannot be stored, so no key is left metering nobody.
 */
export async function issueToken(deps: ManageTokensDeps, body: unknown): Promise<IssuedToken> {
  const request = parseTokenRequest(body);
  const secret = request.token !== undefined ? importedToken(request.token) : generateToken();
  if (await deps.store.get(secret.id)) throw new TokenAlreadyExistsError(secret.id);
  const usageKey = await deps.usageKeys.create(`token-${secret.id}`);
  const stored: StoredToken = {
    id: secret.id,
    hash: secret.hash,
    name: request.name,
    scopes: request.scopes,
    createdAt: deps.clock().toISOString(),
    usageKeyId: usageKey.id,
    usageKeyValue: usageKey.value,
  };
  try {
    await deps.store.put(stored);
  } catch (error) {
    await deps.usageKeys.delete(usageKey.id).catch(() => {});
    throw error;
  }
  return { ...summarize(stored), token: secret.token };
}

export async function listTokens(deps: Pick<ManageTokensDeps, 'store'>): Promise<TokenSummary[]> {
  const tokens = await deps.store.list();
  return tokens.map(summarize).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Deletes a token (it stops working once the authorizer's cached answers expire) and its usage-plan key. */
export async function revokeToken(deps: ManageTokensDeps, id: string): Promise<TokenSummary> {
  const removed = await deps.store.delete(id);
  if (!removed) throw new TokenNotFoundError(id);
  await deps.usageKeys.delete(removed.usageKeyId);
  return summarize(removed);
}

function summarize(token: StoredToken): TokenSummary {
  return { id: token.id, name: token.name, scopes: token.scopes, createdAt: token.createdAt };
}

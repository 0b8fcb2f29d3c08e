import { TokenAlreadyExistsError } from '../../src/jobs/errors/token-already-exists-error';
import { TokenNotFoundError } from '../../src/jobs/errors/token-not-found-error';
import { ValidationError } from '../../src/jobs/errors/validation-error';
import {
  credentialOf,
  generateToken,
  hashToken,
  importedToken,
  matchesHash,
  tokenIdOf,
} from '../../src/tokens/api-token';
import { InMemoryTokenStore } from '../../src/tokens/in-memory/in-memory-token-store';
import { InMemoryUsageKeys } from '../../src/tokens/in-memory/in-memory-usage-keys';
import { grants, requiredScope, TOKEN_SCOPES, type RouteScopes } from '../../src/tokens/token-scopes';
import { authorizeRequest } from '../../src/tokens/use-cases/authorize-request';
import { issueToken, listTokens, revokeToken, type ManageTokensDeps } from '../../src/tokens/use-cases/manage-tokens';

const routes: RouteScopes = {
  'GET /jobs/{id}': 'jobs:read',
  'POST /jobs/email': 'jobs:submit',
  'POST /jobs/{id}/retry': 'jobs:operate',
  'POST /tokens': 'admin',
};

function deps(): ManageTokensDeps & { usageKeys: InMemoryUsageKeys } {
  return {
    store: new InMemoryTokenStore(),
    usageKeys: new InMemoryUsageKeys(),
    clock: () => new Date('2026-12-01T00:00:00Z'),
  };
}

describe('token hashing', () => {
  test('a generated token carries its id, has 256 random bits, and only its SHA-256 is kept', () => {
    const { id, token, hash } = generateToken();
    expect(token).toMatch(/^sjt_[0-9a-f]{20}_[A-Za-z0-9_-]{43}$/);
    expect(tokenIdOf(token)).toBe(id);
    expect(hash).toBe(hashToken(token));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(generateToken().token).not.toBe(token);
  });

  test('an imported value gets an id derived from its hash, the same every time', () => {
    expect(tokenIdOf('local-dev-api-key')).toBe(importedToken('local-dev-api-key').id);
    expect(tokenIdOf('local-dev-api-key')).toMatch(/^k[0-9a-f]{19}$/);
    expect(tokenIdOf('local-dev-api-key')).not.toBe(tokenIdOf('local-dev-api-kez'));
  });

  test('matchesHash accepts the token and nothing else', () => {
    const { token, hash } = generateToken();
    expect(matchesHash(token, hash)).toBe(true);
    expect(matchesHash(`${token}x`, hash)).toBe(false);
    expect(matchesHash(token, 'abcd')).toBe(false);
  });

  test('the credential is the bearer token, else x-api-key, header names in any case', () => {
    expect(credentialOf({ Authorization: 'Bearer abc' })).toBe('abc');
    expect(credentialOf({ authorization: 'bearer abc ', 'x-api-key': 'key' })).toBe('abc');
    expect(credentialOf({ 'X-Api-Key': 'key' })).toBe('key');
    expect(credentialOf({ authorization: 'Basic dXNlcg==' })).toBeUndefined();
    expect(credentialOf({ 'x-api-key': ' ' })).toBeUndefined();
    expect(credentialOf(null)).toBeUndefined();
  });
});

describe('scope rules', () => {
  test('each scope grants only itself: admin is not a superset', () => {
    expect(grants(['jobs:read'], 'jobs:read')).toBe(true);
    expect(grants(['admin'], 'jobs:read')).toBe(false);
    expect(grants(['jobs:operate'], 'jobs:submit')).toBe(false);
    expect(grants([...TOKEN_SCOPES], 'jobs:operate')).toBe(true);
  });

  test('a route missing from the table needs a scope nobody has', () => {
    expect(requiredScope(routes, 'get', '/jobs/{id}')).toBe('jobs:read');
    expect(requiredScope(routes, 'DELETE', '/jobs/{id}')).toBeUndefined();
  });
});

describe('authorizeRequest', () => {
  test('no credential is unauthorized (401); unknown token, wrong scope and unknown route are denied', async () => {
    const d = deps();
    const reader = await issueToken(d, { name: 'reader', scopes: ['jobs:read'] });
    const authorize = (credential: string | undefined, httpMethod: string, resourcePath: string) =>
      authorizeRequest({ store: d.store, routes }, { credential, httpMethod, resourcePath });
    expect(await authorize(undefined, 'GET', '/jobs/{id}')).toEqual({ outcome: 'unauthorized' });
    expect(await authorize(`${reader.token}x`, 'GET', '/jobs/{id}')).toMatchObject({
      outcome: 'deny',
      reason: 'unknown-token',
    });
    expect(await authorize(reader.token, 'POST', '/jobs/email')).toMatchObject({
      outcome: 'deny',
      reason: 'missing-scope',
    });
    expect(await authorize(reader.token, 'PATCH', '/jobs/{id}')).toMatchObject({
      outcome: 'deny',
      reason: 'unknown-route',
    });
    expect(await authorize(reader.token, 'GET', '/jobs/{id}')).toMatchObject({
      outcome: 'allow',
      token: { id: reader.id, scopes: ['jobs:read'] },
    });
  });

  test('a revoked token is denied, and its usage-plan key is gone', async () => {
    const d = deps();
    const issued = await issueToken(d, { scopes: ['jobs:submit'] });
    expect(d.usageKeys.keys.size).toBe(1);
    await revokeToken(d, issued.id);
    expect(d.usageKeys.keys.size).toBe(0);
    const decision = await authorizeRequest(
      { store: d.store, routes },
      { credential: issued.token, httpMethod: 'POST', resourcePath: '/jobs/email' },
    );
    expect(decision).toMatchObject({ outcome: 'deny', reason: 'unknown-token' });
  });
});

describe('managing tokens', () => {
  test('a token is shown once: the store keeps its hash, listings carry no token, hash or usage key', async () => {
    const d = deps();
    const issued = await issueToken(d, { name: 'ci', scopes: ['jobs:submit', 'jobs:submit', 'jobs:read'] });
    expect(issued.scopes).toEqual(['jobs:submit', 'jobs:read']);
    const stored = await d.store.get(issued.id);
    expect(stored?.hash).toBe(hashToken(issued.token));
    expect(JSON.stringify(stored)).not.toContain(issued.token);
    expect(await listTokens(d)).toEqual([
      { id: issued.id, name: 'ci', scopes: ['jobs:submit', 'jobs:read'], createdAt: '2026-12-01T00:00:00.000Z' },
    ]);
  });

  test('bad requests name each field, and create no usage-plan key', async () => {
    const d = deps();
    const refused = await issueToken(d, {
      name: 'x'.repeat(65),
      scopes: ['jobs:write'],
      token: 'short',
      extra: 1,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).fields.map((f) => f.field)).toEqual(['name', 'scopes.0', 'token', 'extra']);
    await expect(issueToken(d, { scopes: [] })).rejects.toThrow(ValidationError);
    await expect(issueToken(d, [])).rejects.toThrow(ValidationError);
    // An empty key is a field too, and gets a name a reader can see.
    const emptyKey = await issueToken(d, { name: 'ci', scopes: ['jobs:read'], '': 1 }).catch((error: unknown) => error);
    expect((emptyKey as ValidationError).fields).toEqual([{ field: '""', message: 'is not a known field' }]);
    expect(d.usageKeys.keys.size).toBe(0);
  });

  test('an imported value is stored once; revoking an unknown id is a TokenNotFoundError', async () => {
    const d = deps();
    const imported = await issueToken(d, { scopes: ['jobs:read'], token: 'an-existing-api-key' });
    expect(imported.token).toBe('an-existing-api-key');
    await expect(issueToken(d, { scopes: ['admin'], token: 'an-existing-api-key' })).rejects.toThrow(
      TokenAlreadyExistsError,
    );
    await expect(revokeToken(d, 'nope')).rejects.toThrow(TokenNotFoundError);
  });

  test('no usage-plan key is left behind when the token cannot be stored', async () => {
    const d = deps();
    d.store.put = () => Promise.reject(new Error('DynamoDB is down'));
    await expect(issueToken(d, { scopes: ['jobs:read'] })).rejects.toThrow('DynamoDB is down');
    expect(d.usageKeys.keys.size).toBe(0);
  });
});

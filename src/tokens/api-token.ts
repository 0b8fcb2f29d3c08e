import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens look like `sjt_<id>_<secret>`: the id (public, the lookup key) travels inside the token so
 * the authorizer reads one item; the secret is 256 random bits, so an unsalted SHA-256 is enough
 * to store (nothing to brute-force). Only the hash is stored; the token is shown once.
 */
const TOKEN_PATTERN = /^sjt_([0-9a-f]{20})_[A-Za-z0-9_-]{43}$/;
/** An imported value (an existing API key, the local default) must be at least this long. */
export const MIN_IMPORTED_TOKEN_LENGTH = 16;

export interface NewToken {
  id: string;
  /** The bearer token: give it to the client once, never store it. */
  token: string;
  hash: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh token with its id and hash. */
export function generateToken(): NewToken {
  const id = randomBytes(10).toString('hex');
  const token = `sjt_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, token, hash: hashToken(token) };
}

/**
 * The id a token is stored under: the one inside a generated token, or for an imported value
 * (an existing x-api-key) one derived from its hash, so lookups stay a single GetItem.
 */
export function tokenIdOf(token: string): string {
  return TOKEN_PATTERN.exec(token)?.[1] ?? `k${hashToken(token).slice(0, 19)}`;
}

/** An imported value as a token: its id and hash. */
export function importedToken(value: string): NewToken {
  return { id: tokenIdOf(value), token: value, hash: hashToken(value) };
}

/** Compares a presented token with a stored hash in constant time. */
export function matchesHash(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/**
 * The credential of a request: `Authorization: Bearer <token>`, else (for clients written before
 * tokens) the `x-api-key` header. Header names are matched case-insensitively.
 */
export function credentialOf(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
): string | undefined {
  let authorization: string | undefined;
  let apiKey: string | undefined;
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') authorization = value;
    else if (lower === 'x-api-key') apiKey = value;
  }
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  if (bearer) return bearer;
  return apiKey?.trim() || undefined;
}

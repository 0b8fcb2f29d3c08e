import type { TokenScope } from '../token-scopes';

/** A token as stored: its hash, never the token. */
export interface StoredToken {
  id: string;
  hash: string;
  name: string;
  scopes: TokenScope[];
  createdAt: string;
  /** The usage-plan API key that meters this client (its id and the value the authorizer returns). */
  usageKeyId: string;
  usageKeyValue: string;
}

/** Where tokens live (DynamoDB on AWS). */
export interface TokenStore {
  /** Stores a new token; rejects with TokenAlreadyExistsError when the id is taken. */
  put(token: StoredToken): Promise<void>;
  get(id: string): Promise<StoredToken | undefined>;
  list(): Promise<StoredToken[]>;
  /** Removes a token; resolves with what was removed, undefined when there was none. */
  delete(id: string): Promise<StoredToken | undefined>;
}

import { TokenAlreadyExistsError } from '../../jobs/errors/token-already-exists-error';
import type { StoredToken, TokenStore } from '../ports/token-store';

export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, StoredToken>();

  put(token: StoredToken): Promise<void> {
    if (this.tokens.has(token.id)) return Promise.reject(new TokenAlreadyExistsError(token.id));
    this.tokens.set(token.id, structuredClone(token));
    return Promise.resolve();
  }

  get(id: string): Promise<StoredToken | undefined> {
    const token = this.tokens.get(id);
    return Promise.resolve(token && structuredClone(token));
  }

  list(): Promise<StoredToken[]> {
    return Promise.resolve([...this.tokens.values()].map((token) => structuredClone(token)));
  }

  delete(id: string): Promise<StoredToken | undefined> {
    const token = this.tokens.get(id);
    this.tokens.delete(id);
    return Promise.resolve(token);
  }
}

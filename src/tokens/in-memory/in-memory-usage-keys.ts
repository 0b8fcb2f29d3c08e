import { randomBytes } from 'node:crypto';
import type { UsageKey, UsageKeys } from '../ports/usage-keys';

export class InMemoryUsageKeys implements UsageKeys {
  readonly keys = new Map<string, UsageKey & { name: string }>();

  create(name: string): Promise<UsageKey> {
    const key = { id: randomBytes(5).toString('hex'), value: randomBytes(20).toString('hex'), name };
    this.keys.set(key.id, key);
    return Promise.resolve({ id: key.id, value: key.value });
  }

  delete(id: string): Promise<void> {
    this.keys.delete(id);
    return Promise.resolve();
  }
}

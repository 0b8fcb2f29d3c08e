import type { Subscription, SubscriptionStore } from '../ports/subscriptions';
import { targetKey, type SubscriptionTarget } from '../realtime/subscriptions';

/** Subscriptions by target key and connection; expired ones are never listed, as with DynamoDB's lazy TTL. */
export class InMemorySubscriptionStore implements SubscriptionStore {
  private readonly byKey = new Map<string, Map<string, Subscription>>();

  constructor(private readonly now: () => number = Date.now) {}

  async add(subscriptions: Subscription[]): Promise<void> {
    for (const subscription of subscriptions) {
      const key = targetKey(subscription.target);
      const connections = this.byKey.get(key) ?? new Map<string, Subscription>();
      connections.set(subscription.connectionId, structuredClone(subscription));
      this.byKey.set(key, connections);
    }
  }

  async remove(connectionId: string, targets: SubscriptionTarget[]): Promise<void> {
    for (const target of targets) this.byKey.get(targetKey(target))?.delete(connectionId);
  }

  async subscribersOf(targetKeys: string[]): Promise<Subscription[]> {
    const nowSeconds = Math.floor(this.now() / 1000);
    return targetKeys.flatMap((key) =>
      [...(this.byKey.get(key)?.values() ?? [])]
        .filter((subscription) => subscription.expiresAt > nowSeconds)
        .map((subscription) => structuredClone(subscription)),
    );
  }

  async removeConnection(connectionId: string): Promise<void> {
    for (const connections of this.byKey.values()) connections.delete(connectionId);
  }
}

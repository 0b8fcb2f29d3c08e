import type { SubscriptionTarget } from '../realtime/subscriptions';

/** One connection's interest in one target. */
export interface Subscription {
  connectionId: string;
  target: SubscriptionTarget;
  /** Epoch seconds after which the subscription is garbage (TTL): its connection cannot outlive it. */
  expiresAt: number;
}

/**
 * Which WebSocket connection follows which jobs: written on subscribe, read by the stream notifier
 * by exact key (a job id or a filter key, see targetKey), removed when the connection goes.
 */
export interface SubscriptionStore {
  add(subscriptions: Subscription[]): Promise<void>;
  remove(connectionId: string, targets: SubscriptionTarget[]): Promise<void>;
  /** The live subscriptions stored under these target keys. */
  subscribersOf(targetKeys: string[]): Promise<Subscription[]>;
  /** Every subscription of a connection, removed: it disconnected or is gone. */
  removeConnection(connectionId: string): Promise<void>;
}

/**
 * Whether a message reached its connection, or the connection no longer exists (API Gateway's 410,
 * or it was closed for failing), or the post failed and the connection may still be open (only a
 * poster that retries and then gives up, see RetryingConnectionPoster, answers that; others throw).
 */
export type PostOutcome = 'sent' | 'gone' | 'failed';

/** Sends one message to one connection without waiting for the client to read it (the @connections API). */
export interface ConnectionPoster {
  post(connectionId: string, message: unknown): Promise<PostOutcome>;
  /** Closes the connection from the server's side (its `$disconnect` follows); one already gone is no error. */
  close(connectionId: string): Promise<void>;
}

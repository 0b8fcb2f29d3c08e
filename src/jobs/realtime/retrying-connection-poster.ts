import { backoffDelayMs } from '../backoff';
import type { ConnectionPoster, PostOutcome } from '../ports/subscriptions';

export interface PostRetryPolicy {
  /** Tries per post, the first included. */
  tries: number;
  /** Full-jitter backoff between tries: the wait before try n+1 is uniform in [0, min(cap, base · 2^(n−1))]. */
  baseMs: number;
  capMs: number;
  /** A connection given up on is not tried again for this long: its later posts fail at once. */
  givenUpForMs: number;
}

/**
 * 4 tries with at most 100 + 200 + 400 ms between them. With the notifier's client (one SDK attempt
 * per call, failing after 2 s of silence on its socket) a post and the close after it take at most
 * 4 × 2 s + 0.7 s + 2 s ≈ 11 s, plus any wait for one of the client's sockets behind the batch's
 * other posts: well under the notifier's 30 s timeout. A connection the close cannot reach either
 * costs that once, not once per change in the batch.
 */
export const DEFAULT_POST_RETRY: PostRetryPolicy = { tries: 4, baseMs: 100, capMs: 1_000, givenUpForMs: 60_000 };

/** What happened to a connection whose posts kept failing. */
export interface GivenUpPost {
  connectionId: string;
  tries: number;
  /** The last try's error. */
  error: unknown;
  /** Whether the close that followed worked (the client then reconnects and resubscribes), or its error. */
  closed: true | { error: unknown };
}

export interface RetryingPosterOptions {
  policy?: PostRetryPolicy;
  /** Told once per connection given up on: the place to log it and count it. */
  onGivenUp: (givenUp: GivenUpPost) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retries a failed post (throttling, a 5xx, a reset connection: anything but 410 Gone) a few times,
 * and never throws, so one connection's failures cannot stop the posts to the others. When the
 * tries run out the connection is closed: the client reconnects, resubscribes and receives every
 * job's current state, so the change that was not posted is not lost for longer than that. A
 * closed connection answers 'gone' (its subscriptions go with it); one the close could not reach
 * answers 'failed' and keeps its subscriptions for later changes.
 */
export class RetryingConnectionPoster implements ConnectionPoster {
  private readonly policy: PostRetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  /** Connection id → when it was given up on (epoch ms); its posts fail at once until givenUpForMs later. */
  private readonly givenUp = new Map<string, number>();

  constructor(
    private readonly inner: ConnectionPoster,
    private readonly options: RetryingPosterOptions,
  ) {
    this.policy = options.policy ?? DEFAULT_POST_RETRY;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  async post(connectionId: string, message: unknown): Promise<PostOutcome> {
    const givenUpAt = this.givenUp.get(connectionId);
    if (givenUpAt !== undefined) {
      if (this.now() - givenUpAt < this.policy.givenUpForMs) return 'failed';
      this.givenUp.delete(connectionId);
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.policy.tries; attempt += 1) {
      if (attempt > 1) await this.sleep(backoffDelayMs(attempt - 1, this.policy, this.random));
      try {
        return await this.inner.post(connectionId, message);
      } catch (error) {
        lastError = error;
      }
    }
    return this.giveUp(connectionId, lastError);
  }

  close(connectionId: string): Promise<void> {
    return this.inner.close(connectionId);
  }

  private async giveUp(connectionId: string, error: unknown): Promise<PostOutcome> {
    let closed: GivenUpPost['closed'] = true;
    try {
      await this.inner.close(connectionId);
    } catch (closeError) {
      closed = { error: closeError };
    }
    this.options.onGivenUp({ connectionId, tries: this.policy.tries, error, closed });
    if (closed === true) return 'gone';
    this.forgetExpired();
    this.givenUp.set(connectionId, this.now());
    return 'failed';
  }

  /** The map lives as long as the execution environment: entries past their time go when one is added (oldest first). */
  private forgetExpired(): void {
    const now = this.now();
    for (const [connectionId, at] of this.givenUp) {
      if (now - at < this.policy.givenUpForMs) return;
      this.givenUp.delete(connectionId);
    }
  }
}

import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import { InMemorySubscriptionStore } from '../../src/jobs/in-memory/in-memory-subscription-store';
import type { ConnectionPoster, PostOutcome } from '../../src/jobs/ports/subscriptions';
import {
  RetryingConnectionPoster,
  type GivenUpPost,
  type PostRetryPolicy,
} from '../../src/jobs/realtime/retrying-connection-poster';
import { notifySubscribers } from '../../src/jobs/use-cases/job-subscriptions';

const throttled = () => new DependencyUnavailableError('API Gateway @connections', 1);

/**
 * A @connections API in memory: each connection fails its next `failures[id]` posts with a
 * throttling error (Infinity: every post), and is gone once closed or listed in `gone`.
 */
class FlakyPoster implements ConnectionPoster {
  readonly delivered: { connectionId: string; message: unknown }[] = [];
  readonly tries = new Map<string, number>();
  readonly closed: string[] = [];
  closeFails = false;
  constructor(
    readonly failures: Record<string, number> = {},
    readonly gone = new Set<string>(),
  ) {}

  async post(connectionId: string, message: unknown): Promise<PostOutcome> {
    this.tries.set(connectionId, (this.tries.get(connectionId) ?? 0) + 1);
    if (this.gone.has(connectionId)) return 'gone';
    const left = this.failures[connectionId] ?? 0;
    if (left > 0) {
      this.failures[connectionId] = left - 1;
      throw throttled();
    }
    this.delivered.push({ connectionId, message });
    return 'sent';
  }

  async close(connectionId: string): Promise<void> {
    if (this.closeFails) throw throttled();
    this.closed.push(connectionId);
    this.gone.add(connectionId);
  }
}

const POLICY: PostRetryPolicy = { tries: 4, baseMs: 100, capMs: 1_000, givenUpForMs: 60_000 };

function retrying(inner: FlakyPoster, now = () => 0) {
  const sleeps: number[] = [];
  const givenUp: GivenUpPost[] = [];
  const poster = new RetryingConnectionPoster(inner, {
    policy: POLICY,
    onGivenUp: (post) => givenUp.push(post),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now,
  });
  return { poster, sleeps, givenUp };
}

describe('RetryingConnectionPoster', () => {
  test('a post failing twice is tried again after full-jitter waits under 100 then 200 ms, and arrives', async () => {
    const inner = new FlakyPoster({ c1: 2 });
    const { poster, sleeps, givenUp } = retrying(inner);
    expect(await poster.post('c1', { n: 1 })).toBe('sent');
    expect(inner.tries.get('c1')).toBe(3);
    expect(sleeps).toEqual([50, 100]);
    expect(inner.delivered).toEqual([{ connectionId: 'c1', message: { n: 1 } }]);
    expect(givenUp).toEqual([]);
  });

  test('410 Gone is an answer, not a failure: no retry, no close', async () => {
    const inner = new FlakyPoster({}, new Set(['c1']));
    const { poster, sleeps, givenUp } = retrying(inner);
    expect(await poster.post('c1', {})).toBe('gone');
    expect(inner.tries.get('c1')).toBe(1);
    expect(sleeps).toEqual([]);
    expect(inner.closed).toEqual([]);
    expect(givenUp).toEqual([]);
  });

  test('after the last try the connection is reported and closed, and answers gone', async () => {
    const inner = new FlakyPoster({ c1: Number.POSITIVE_INFINITY });
    const { poster, sleeps, givenUp } = retrying(inner);
    expect(await poster.post('c1', {})).toBe('gone');
    expect(inner.tries.get('c1')).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]);
    expect(inner.closed).toEqual(['c1']);
    expect(givenUp).toEqual([
      { connectionId: 'c1', tries: 4, error: expect.any(DependencyUnavailableError), closed: true },
    ]);
  });

  test('when the close fails too: failed, reported once, and later posts fail at once until givenUpForMs has passed', async () => {
    const inner = new FlakyPoster({ c1: 4 });
    inner.closeFails = true;
    let now = 0;
    const { poster, givenUp } = retrying(inner, () => now);
    expect(await poster.post('c1', { n: 1 })).toBe('failed');
    expect(givenUp).toEqual([
      expect.objectContaining({ connectionId: 'c1', closed: { error: expect.any(DependencyUnavailableError) } }),
    ]);
    now = POLICY.givenUpForMs - 1;
    expect(await poster.post('c1', { n: 2 })).toBe('failed');
    expect(inner.tries.get('c1')).toBe(4);
    now = POLICY.givenUpForMs;
    expect(await poster.post('c1', { n: 3 })).toBe('sent');
    expect(inner.delivered).toEqual([{ connectionId: 'c1', message: { n: 3 } }]);
    expect(givenUp).toHaveLength(1);
  });
});

describe('notifying subscribers through RetryingConnectionPoster', () => {
  const expiresAt = Math.floor(Date.now() / 1000) + 60;
  const change = (version: number) => ({
    jobId: 'a',
    type: 'email',
    version,
    status: 'processing',
    updatedAt: new Date(version * 1000).toISOString(),
  });
  const versionsTo = (inner: FlakyPoster, connectionId: string) =>
    inner.delivered
      .filter((post) => post.connectionId === connectionId)
      .map((post) => (post.message as { job: { version: number } }).job.version);

  async function subscribed(...connectionIds: string[]) {
    const store = new InMemorySubscriptionStore();
    await store.add(
      connectionIds.map((connectionId) => ({ connectionId, target: { kind: 'job', jobId: 'a' } as const, expiresAt })),
    );
    return store;
  }

  test('a connection that keeps failing is closed and dropped; the others, flaky or not, get every change', async () => {
    const store = await subscribed('steady', 'flaky', 'broken');
    const inner = new FlakyPoster({ flaky: 3, broken: Number.POSITIVE_INFINITY });
    const { poster, givenUp } = retrying(inner);
    const outcome = await notifySubscribers({ store, poster }, [change(2), change(3)]);
    expect(versionsTo(inner, 'steady')).toEqual([2, 3]);
    expect(versionsTo(inner, 'flaky')).toEqual([2, 3]);
    expect(versionsTo(inner, 'broken')).toEqual([]);
    expect(givenUp.map((post) => post.connectionId)).toEqual(['broken']);
    expect(inner.closed).toEqual(['broken']);
    expect(outcome).toEqual({ sent: 4, gone: 1 });
    expect((await store.subscribersOf(['job#a'])).map((s) => s.connectionId).sort()).toEqual(['flaky', 'steady']);
  });

  test('a connection the close cannot reach keeps its subscriptions; the batch is not held up by it again', async () => {
    const store = await subscribed('steady', 'broken');
    const inner = new FlakyPoster({ broken: Number.POSITIVE_INFINITY });
    inner.closeFails = true;
    const { poster, givenUp } = retrying(inner);
    const outcome = await notifySubscribers({ store, poster }, [change(2), change(3)]);
    expect(versionsTo(inner, 'steady')).toEqual([2, 3]);
    expect(inner.tries.get('broken')).toBe(POLICY.tries);
    expect(givenUp).toHaveLength(1);
    expect(outcome).toEqual({ sent: 2, gone: 0 });
    expect((await store.subscribersOf(['job#a'])).map((s) => s.connectionId).sort()).toEqual(['broken', 'steady']);
  });
});

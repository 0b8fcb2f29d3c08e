import { ValidationError } from '../../src/jobs/errors/validation-error';
import { InMemoryJobsRepository } from '../../src/jobs/in-memory/in-memory-jobs-repository';
import { InMemorySubscriptionStore } from '../../src/jobs/in-memory/in-memory-subscription-store';
import type { ConnectionPoster, PostOutcome } from '../../src/jobs/ports/subscriptions';
import { credentialOf } from '../../src/jobs/realtime/connection-credentials';
import {
  keysMatching,
  parseSubscriptionRequest,
  subscriptionMatches,
  targetKey,
  type SubscriptionTarget,
} from '../../src/jobs/realtime/subscriptions';
import { handleSubscriptionRequest, notifySubscribers } from '../../src/jobs/use-cases/job-subscriptions';
import type { JobChange } from '../../src/jobs/use-cases/notify-waiters';
import { aJob } from '../support/jobs';

const fieldsOf = (body: string) => {
  try {
    parseSubscriptionRequest(body);
  } catch (error) {
    if (error instanceof ValidationError) return error.fields.map((f) => f.field);
    throw error;
  }
  return [];
};

describe('parsing a client message', () => {
  test('subscribe to ids, a filter, or both; ids deduplicated', () => {
    expect(parseSubscriptionRequest('{"action":"subscribe","jobIds":["a","b","a"]}')).toEqual({
      action: 'subscribe',
      jobIds: ['a', 'b'],
    });
    expect(parseSubscriptionRequest('{"action":"unsubscribe","filter":{"type":"email","status":"failed"}}')).toEqual({
      action: 'unsubscribe',
      jobIds: [],
      filter: { type: 'email', status: 'failed' },
    });
    expect(parseSubscriptionRequest('{"action":"subscribe","filter":{}}')).toMatchObject({ filter: {} });
  });

  test.each([
    ['', ['(body)']],
    ['[1]', ['(body)']],
    ['{"jobIds":["a"]}', ['action']],
    ['{"action":"subscribe"}', ['jobIds']],
    ['{"action":"subscribe","jobIds":"a"}', ['jobIds']],
    ['{"action":"subscribe","jobIds":["ok",7,"has space"]}', ['jobIds[1]', 'jobIds[2]']],
    ['{"action":"subscribe","filter":[]}', ['filter']],
    [
      '{"action":"subscribe","filter":{"type":"Email!","status":"asleep","colour":"red"}}',
      ['filter.type', 'filter.status', 'filter.colour'],
    ],
    [`{"action":"subscribe","jobIds":${JSON.stringify(Array.from({ length: 101 }, (_, i) => `j${i}`))}}`, ['jobIds']],
  ])('%s is refused naming %j', (body, fields) => {
    expect(fieldsOf(body)).toEqual(fields);
  });
});

describe('matching subscriptions to changes', () => {
  const change = { jobId: 'j1', type: 'email', status: 'completed' };
  const targets: [SubscriptionTarget, boolean][] = [
    [{ kind: 'job', jobId: 'j1' }, true],
    [{ kind: 'job', jobId: 'j2' }, false],
    [{ kind: 'filter', filter: {} }, true],
    [{ kind: 'filter', filter: { type: 'email' } }, true],
    [{ kind: 'filter', filter: { status: 'completed' } }, true],
    [{ kind: 'filter', filter: { type: 'email', status: 'completed' } }, true],
    [{ kind: 'filter', filter: { type: 'sms' } }, false],
    [{ kind: 'filter', filter: { type: 'email', status: 'failed' } }, false],
  ];

  test.each(targets)(
    '%j matches: %s, and is stored under one of the keys a change looks up exactly then',
    (target, matches) => {
      expect(subscriptionMatches(target, change)).toBe(matches);
      expect(keysMatching(change).includes(targetKey(target))).toBe(matches);
    },
  );

  test('a change of a job nobody follows by id is looked up under its filter keys only', () => {
    expect(keysMatching({ ...change, followed: false })).toEqual([
      'filter#email#completed',
      'filter#email#*',
      'filter#*#completed',
      'filter#*#*',
    ]);
  });

  test('a change is looked up under at most five keys', () => {
    expect(keysMatching(change)).toEqual([
      'job#j1',
      'filter#email#completed',
      'filter#email#*',
      'filter#*#completed',
      'filter#*#*',
    ]);
  });
});

test('the credential comes from the token parameter, a bearer token or x-api-key, in that order', () => {
  expect(credentialOf({ queryStringParameters: { token: 'q' }, headers: { 'X-Api-Key': 'k' } })).toBe('q');
  expect(credentialOf({ headers: { Authorization: 'Bearer b', 'x-api-key': 'k' } })).toBe('b');
  expect(credentialOf({ headers: { 'X-API-KEY': 'k' } })).toBe('k');
  expect(credentialOf({ queryStringParameters: null, headers: null })).toBeUndefined();
});

/** Records posts; connections in `gone` answer 410. */
class RecordingPoster implements ConnectionPoster {
  readonly posts: { connectionId: string; message: Record<string, unknown> }[] = [];
  constructor(readonly gone = new Set<string>()) {}
  async post(connectionId: string, message: unknown): Promise<PostOutcome> {
    if (this.gone.has(connectionId)) return 'gone';
    this.posts.push({ connectionId, message: message as Record<string, unknown> });
    return 'sent';
  }
  async close(connectionId: string): Promise<void> {
    this.gone.add(connectionId);
  }
}

const changeOf = (jobId: string, version: number, status = 'processing', type = 'email'): JobChange => ({
  jobId,
  type,
  version,
  status,
  updatedAt: new Date(version * 1000).toISOString(),
});

describe('subscribing and notifying', () => {
  test('subscribe stores first, then answers subscribed and each job current state, or a 404 naming the id', async () => {
    const store = new InMemorySubscriptionStore();
    const poster = new RecordingPoster();
    const repository = new InMemoryJobsRepository();
    const job = aJob('email', { id: 'known' });
    await repository.create(job);
    await handleSubscriptionRequest({ store, poster, repository, clock: () => new Date() }, 'c1', {
      action: 'subscribe',
      jobIds: ['known', 'unknown'],
    });
    expect(poster.posts.map((p) => p.message)).toEqual([
      { type: 'subscribed', jobIds: ['known', 'unknown'] },
      { type: 'status', job: { id: 'known', status: job.status, version: job.version, updatedAt: job.updatedAt } },
      expect.objectContaining({ type: 'error', problem: expect.objectContaining({ status: 404 }) }),
    ]);
    expect((poster.posts[2]!.message.problem as { errors: { field: string }[] }).errors[0]!.field).toBe('jobIds[1]');
    expect(await store.subscribersOf(['job#known', 'job#unknown'])).toHaveLength(2);
    // Marked followed, so the notifier looks this job's subscribers up by id.
    expect(repository.followedUntil('known')).toBeGreaterThan(Date.now() / 1000);
  });

  test('a batch is looked up once, each key once; a followed job also by id, an unfollowed one not', async () => {
    const store = new InMemorySubscriptionStore();
    const poster = new RecordingPoster();
    const expiresAt = Math.floor(Date.now() / 1000) + 60;
    await store.add([
      { connectionId: 'by-id', target: { kind: 'job', jobId: 'watched' }, expiresAt },
      { connectionId: 'stale', target: { kind: 'job', jobId: 'unwatched' }, expiresAt },
      { connectionId: 'by-type', target: { kind: 'filter', filter: { type: 'email' } }, expiresAt },
    ]);
    const lookups: string[][] = [];
    const subscribersOf = store.subscribersOf.bind(store);
    store.subscribersOf = async (keys) => {
      lookups.push(keys);
      return subscribersOf(keys);
    };
    const changes = [
      ...Array.from({ length: 30 }, (_, n) => ({ ...changeOf(`job-${n}`, 2, 'processing', 'email'), followed: false })),
      { ...changeOf('unwatched', 3, 'processing', 'email'), followed: false },
      { ...changeOf('watched', 3, 'processing', 'email'), followed: true },
    ];
    const outcome = await notifySubscribers({ store, poster }, changes);
    expect(lookups).toHaveLength(1);
    expect([...lookups[0]!].sort()).toEqual(
      ['job#watched', 'filter#email#processing', 'filter#email#*', 'filter#*#processing', 'filter#*#*'].sort(),
    );
    expect(poster.posts.filter((p) => p.connectionId === 'by-id')).toHaveLength(1);
    expect(poster.posts.filter((p) => p.connectionId === 'by-type')).toHaveLength(32);
    expect(poster.posts.filter((p) => p.connectionId === 'stale')).toEqual([]);
    expect(outcome).toEqual({ sent: 33, gone: 0 });
  });

  test("one job's changes are posted in version order; a gone connection is removed and not posted to again", async () => {
    const store = new InMemorySubscriptionStore();
    const gone = new Set(['lost']);
    const poster = new RecordingPoster(gone);
    const expiresAt = Math.floor(Date.now() / 1000) + 60;
    await store.add([
      { connectionId: 'live', target: { kind: 'job', jobId: 'a' }, expiresAt },
      { connectionId: 'live', target: { kind: 'filter', filter: { type: 'sms' } }, expiresAt },
      { connectionId: 'lost', target: { kind: 'job', jobId: 'a' }, expiresAt },
      { connectionId: 'lost', target: { kind: 'job', jobId: 'b' }, expiresAt },
    ]);
    const outcome = await notifySubscribers({ store, poster }, [
      changeOf('a', 2),
      changeOf('b', 5, 'queued', 'sms'),
      changeOf('a', 3, 'completed'),
      { ...changeOf('a', 4), removed: true },
    ]);
    const toLive = poster.posts.filter((p) => p.connectionId === 'live').map((p) => p.message);
    expect(toLive.filter((m) => m.type === 'status' && (m.job as { id: string }).id === 'a')).toEqual([
      { type: 'status', job: { id: 'a', status: 'processing', version: 2, updatedAt: expect.any(String) } },
      { type: 'status', job: { id: 'a', status: 'completed', version: 3, updatedAt: expect.any(String) } },
    ]);
    expect(toLive).toContainEqual({ type: 'removed', jobId: 'a', version: 4 });
    expect(toLive).toContainEqual(expect.objectContaining({ job: expect.objectContaining({ id: 'b', version: 5 }) }));
    expect(outcome).toEqual({ sent: 4, gone: 1 });
    expect((await store.subscribersOf(['job#a', 'job#b'])).map((s) => s.connectionId)).toEqual(['live']);
  });
});

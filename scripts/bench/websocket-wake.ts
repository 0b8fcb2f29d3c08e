/**
 * WebSocket wake-ups, and what watching a job costs in Lambda time, beside long polls.
 *
 * Wake latency runs from the acknowledged change (the `PUT /jobs/{id}` response) to the subscriber
 * receiving the `status` message with that version, through `JobsClient.subscribe`: N subscribers
 * on one job, and many jobs with one subscriber each. Every subscriber lives in this process, so a
 * row of 1,000 includes this process taking 1,000 messages one after another.
 *
 * Lambda GB-s per 1,000 watcher-minutes. A WebSocket watcher holds no function: it costs
 * `$connect`, `subscribe` and `$disconnect` once per session and the notifier's posts per change,
 * computed from those invocations in the row (each billed duration rounded up to 1 ms, as Lambda
 * bills, × the function's MemorySize from the template) over the watchers' sessions (subscribed →
 * closed). The notifier's share is its billed time in the row less what its invocations cost
 * with nobody subscribed (measured first): the posting work the watchers add. A long poll holds
 * the status function while it waits: measured the same way, watchers re-polling through a window
 * while their job changes.
 *
 * Durations are the local stack's (each invocation from hand-over to answer, on this machine's
 * shared cores), so they overstate AWS's, where every environment has a CPU of its own.
 */
import { JobsClient, type JobSubscription } from '../../src/client';
import { defaultWebSocketFactory } from '../../src/client/job-subscription';
import { readJobStatus } from './jobs-api';
import type { LocalStackChild, LocalStackReady } from './local-stack-child';
import { latencyPercentiles } from './stats';

/** Subscriptions opened at once: each `$connect` and `subscribe` takes an execution environment (a worker) of the stack. */
const CONNECT_CONCURRENCY = 10;
/** Concurrent `PUT`s in the many-jobs row, like the end-to-end run's HTTP clients. */
const WRITERS = 16;
/** A change not received within this is counted missed. */
const DELIVERY_TIMEOUT_MS = 15_000;
/** Changes of the long-poll window and of the notifier's baseline are this far apart (past the 250 ms stream poll). */
const CHANGE_INTERVAL_MS = 1000;
const BASELINE_CHANGES = 5;

/** The functions a watcher's cost is made of, by the logical-id prefixes their constructs give them. */
const ROLES = {
  connect: 'RealtimeConnect',
  subscribe: 'RealtimeSubscriptionMessages',
  disconnect: 'RealtimeDisconnect',
  notifier: 'LongPollNotifier',
  status: 'ApiGetJobStatus',
  authorizer: 'TokensAuthorizer',
} as const;
type Role = keyof typeof ROLES;

export interface WatchCost {
  /** Watchers' sessions added up: subscribed → closed (WebSocket), first request → last answer (long poll). */
  watcherMinutes: number;
  /** Per function role: invocations, billed ms (the notifier's less its baseline) and MemorySize. */
  invocations: Partial<Record<Role, { count: number; billedMs: number; memoryMb: number }>>;
  gbSeconds: number;
  gbSecondsPer1000WatcherMinutes: number;
}

export interface WebSocketWakeRow {
  mode: string;
  subscribers: number;
  jobs: number;
  changes: number;
  /** Status messages expected: changes × the subscribers of each changed job. */
  expected: number;
  deliveries: number;
  /** Connections opened beyond one per subscriber (the client reconnects on its own). */
  reconnects: number;
  p50: number;
  p95: number;
  p99: number;
  cost: WatchCost;
}

export interface LongPollCostRow {
  mode: string;
  watchers: number;
  seconds: number;
  changes: number;
  cost: WatchCost;
}

export interface WatchMeasurements {
  webSocket: WebSocketWakeRow[];
  longPoll: LongPollCostRow;
  /** The notifier's billed ms per invocation with nobody subscribed or waiting. */
  notifierBaselineMs: number;
}

export interface WatchOptions {
  url: string;
  apiKey: string;
  stack: Pick<LocalStackChild, 'invocationDurations' | 'resetInvocationDurations'>;
  functions: LocalStackReady['functions'];
  /** One-job rows: this many subscribers each. */
  subscriberCounts: number[];
  /** The many-jobs row: this many jobs with one subscriber each (0: no such row). */
  jobs: number;
  /** Changes per one-job row. */
  changes: number;
  /** Changes per job in the many-jobs row. */
  rounds: number;
  /** The long-poll window. */
  longPollWatchers: number;
  longPollSeconds: number;
  log?: (line: string) => void;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task` over `items`, at most `limit` at a time. */
async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

/** When each subscriber received each version of each job; waits for a version to reach its subscribers. */
class Arrivals {
  private readonly times = new Map<string, number[]>();
  private readonly waiters = new Map<string, { count: number; resolve: () => void }[]>();

  record(jobId: string, version: number, at: number): void {
    const key = `${jobId}#${version}`;
    const times = this.times.get(key) ?? [];
    times.push(at);
    this.times.set(key, times);
    const waiting = this.waiters.get(key) ?? [];
    for (const waiter of waiting.filter((w) => times.length >= w.count)) waiter.resolve();
    this.waiters.set(
      key,
      waiting.filter((w) => times.length < w.count),
    );
  }

  /** The arrival times of this version once `count` subscribers have it, or whatever arrived within the timeout. */
  async of(jobId: string, version: number, count: number): Promise<number[]> {
    const key = `${jobId}#${version}`;
    if ((this.times.get(key)?.length ?? 0) < count) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          const waiting = this.waiters.get(key) ?? [];
          waiting.push({ count, resolve });
          this.waiters.set(key, waiting);
        }),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, DELIVERY_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    return this.times.get(key) ?? [];
  }
}

export async function measureWatching(options: WatchOptions): Promise<WatchMeasurements> {
  const { stack, log = () => undefined } = options;
  const headers = { 'content-type': 'application/json', 'x-api-key': options.apiKey };
  let opened = 0;
  const client = new JobsClient({
    baseUrl: options.url,
    token: options.apiKey,
    webSocketFactory: (url, apiKey) => {
      opened++;
      return defaultWebSocketFactory(url, apiKey);
    },
  });
  const memoryMb = (role: Role) =>
    Object.entries(options.functions).find(([id]) => id.startsWith(ROLES[role]))?.[1].memorySize ?? 0;
  const durationsOf = async (): Promise<Partial<Record<Role, number[]>>> => {
    const all = await stack.invocationDurations();
    const byRole: Partial<Record<Role, number[]>> = {};
    for (const role of Object.keys(ROLES) as Role[])
      byRole[role] = Object.entries(all).find(([id]) => id.startsWith(ROLES[role]))?.[1] ?? [];
    return byRole;
  };
  const billedMs = (durations: readonly number[] = []) => durations.reduce((sum, ms) => sum + Math.ceil(ms), 0);

  /**
   * A request the usage plan may throttle (50 requests/s): a 429 waits its Retry-After and goes
   * again; a 5xx (an integration timeout on a loaded machine) is tried again, twice.
   */
  async function throttled(url: string, init: RequestInit): Promise<{ response: Response; answer: string }> {
    for (let attempt = 1, failures = 0; ; attempt++) {
      const response = await fetch(url, init);
      const answer = await response.text();
      if (response.status === 429 && attempt < 100) {
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000 * (0.5 + Math.random()));
        continue;
      }
      if (response.status < 500 || ++failures === 3) return { response, answer };
    }
  }

  async function createJob(): Promise<string> {
    const { response, answer } = await throttled(`${options.url}/jobs`, { method: 'POST', headers, body: '{}' });
    if (response.status !== 201) throw new Error(`POST /jobs answered ${response.status}: ${answer}`);
    return (JSON.parse(answer) as { id: string }).id;
  }

  let phase = 0;
  /** An external job's next status report: its new version, and when the API acknowledged it. */
  async function change(id: string): Promise<{ version: number; acknowledgedAt: number }> {
    const status = phase++ % 2 === 0 ? 'processing' : 'pending';
    const { response: put, answer } = await throttled(`${options.url}/jobs/${id}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ status }),
    });
    // The wake-up is timed from the accepted PUT's answer; a throttled try before it does not count.
    const acknowledgedAt = Date.now();
    if (put.status !== 200) throw new Error(`PUT /jobs/${id} answered ${put.status}: ${answer}`);
    return { version: (JSON.parse(answer) as { version: number }).version, acknowledgedAt };
  }

  /** Waits until `$disconnect` ran `count` times since the last reset (AWS runs it on its own time too). */
  async function disconnected(count: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (((await durationsOf()).disconnect?.length ?? 0) < count && Date.now() < deadline) await sleep(100);
  }

  /** Subscribes one watcher per job id (ids repeat for several on one job); resolves once each has the current state. */
  async function openWatchers(jobIds: string[], arrivals: Arrivals) {
    const watchers = await inParallel(jobIds, CONNECT_CONCURRENCY, async (jobId) => {
      const subscription: JobSubscription = client.subscribe(
        [jobId],
        (status) => arrivals.record(status.id, status.version, Date.now()),
        // The first subscribes pay the connect and subscribe functions' cold starts, which on a
        // loaded laptop outlast the client's 10 s default; the bench measures wake-ups, not that.
        { readyTimeoutMs: 120_000 },
      );
      await subscription.ready;
      return { jobId, subscription, subscribedAt: Date.now() };
    });
    const counts = new Map<string, number>();
    for (const jobId of jobIds) counts.set(jobId, (counts.get(jobId) ?? 0) + 1);
    // The snapshot right after `subscribed` is version 1: a change must not race it.
    await Promise.all([...counts].map(([jobId, count]) => arrivals.of(jobId, 1, count)));
    return watchers;
  }

  /**
   * Closes the watchers as many at a time as they opened: 1,000 closed at once would be 1,000
   * concurrent `$disconnect` invocations, past the function's concurrency (throttled, as on AWS,
   * where a throttled `$disconnect` is dropped and the subscriptions wait for a 410 or their TTL).
   * Returns the watcher-minutes.
   */
  async function closeWatchers(watchers: Awaited<ReturnType<typeof openWatchers>>): Promise<number> {
    let watchedMs = 0;
    for (let closed = 0; closed < watchers.length;) {
      for (const watcher of watchers.slice(closed, closed + CONNECT_CONCURRENCY)) {
        watcher.subscription.close();
        watchedMs += Date.now() - watcher.subscribedAt;
        closed++;
      }
      await disconnected(closed);
    }
    return watchedMs / 60_000;
  }

  function costOf(
    durations: Partial<Record<Role, number[]>>,
    roles: Role[],
    watcherMinutes: number,
    notifierBaselineMs: number,
  ): WatchCost {
    const invocations: WatchCost['invocations'] = {};
    let gbSeconds = 0;
    for (const role of roles) {
      const count = durations[role]?.length ?? 0;
      const billed =
        role === 'notifier'
          ? Math.max(0, billedMs(durations[role]) - count * notifierBaselineMs)
          : billedMs(durations[role]);
      invocations[role] = { count, billedMs: billed, memoryMb: memoryMb(role) };
      gbSeconds += (billed / 1000) * (memoryMb(role) / 1024);
    }
    return {
      watcherMinutes,
      invocations,
      gbSeconds,
      gbSecondsPer1000WatcherMinutes: watcherMinutes > 0 ? (gbSeconds / watcherMinutes) * 1000 : Number.NaN,
    };
  }

  // Warm environments for the rows (a cold start per environment is not a watcher's cost), then
  // the notifier's cost per invocation with nobody to post to.
  log(`WebSocket warm-up: ${CONNECT_CONCURRENCY} subscribers at once…`);
  const warmUpJob = await createJob();
  await closeWatchers(await openWatchers(Array<string>(CONNECT_CONCURRENCY).fill(warmUpJob), new Arrivals()));
  stack.resetInvocationDurations();
  for (let i = 0; i < BASELINE_CHANGES; i++) {
    await change(warmUpJob);
    await sleep(CHANGE_INTERVAL_MS);
  }
  const baselineDurations = (await durationsOf()).notifier ?? [];
  const notifierBaselineMs = baselineDurations.length ? billedMs(baselineDurations) / baselineDurations.length : 0;
  const webSocketRoles: Role[] = ['connect', 'subscribe', 'disconnect', 'notifier'];

  const webSocket: WebSocketWakeRow[] = [];
  const rows = [
    ...options.subscriberCounts.map((subscribers) => ({ jobs: 1, subscribers, changes: options.changes })),
    ...(options.jobs > 0 ? [{ jobs: options.jobs, subscribers: options.jobs, changes: options.rounds }] : []),
  ];
  for (const row of rows) {
    const mode =
      row.jobs === 1
        ? `WebSocket, ${plural(row.subscribers, 'subscriber')} on one job`
        : `WebSocket, ${plural(row.jobs, 'job')} × 1 subscriber`;
    log(`${mode}: ${plural(row.changes, 'change')} per job…`);
    const jobIds = row.jobs === 1 ? [await createJob()] : await inParallel(Array(row.jobs), WRITERS, createJob);
    const arrivals = new Arrivals();
    const openedBefore = opened;
    stack.resetInvocationDurations();
    let startedAt = Date.now();
    const watchers = await openWatchers(
      row.jobs === 1 ? Array<string>(row.subscribers).fill(jobIds[0]!) : jobIds,
      arrivals,
    );
    log(`  subscribed in ${Date.now() - startedAt} ms`);
    startedAt = Date.now();
    const perJob = row.subscribers / row.jobs;
    const latencies: number[] = [];
    let expected = 0;
    for (let round = 0; round < row.changes; round++) {
      // Every job changes once per round; the next round starts when this one's messages are in.
      const received: Promise<void>[] = [];
      await inParallel(jobIds, WRITERS, async (jobId) => {
        const { version, acknowledgedAt } = await change(jobId);
        expected += perJob;
        received.push(
          arrivals.of(jobId, version, perJob).then((times) => {
            // A message that beats the PUT's answer has waited 0 ms for it.
            for (const at of times) latencies.push(Math.max(0, at - acknowledgedAt));
          }),
        );
      });
      await Promise.all(received);
    }
    log(`  changed and delivered in ${Date.now() - startedAt} ms`);
    startedAt = Date.now();
    const watcherMinutes = await closeWatchers(watchers);
    log(`  closed in ${Date.now() - startedAt} ms`);
    const measured: WebSocketWakeRow = {
      mode,
      subscribers: row.subscribers,
      jobs: row.jobs,
      changes: row.changes * row.jobs,
      expected,
      deliveries: latencies.length,
      reconnects: opened - openedBefore - row.subscribers,
      ...latencyPercentiles(latencies),
      cost: costOf(await durationsOf(), webSocketRoles, watcherMinutes, notifierBaselineMs),
    };
    // Each row as it is measured: a later row failing on a loaded machine leaves this one's figures.
    log(`  ${JSON.stringify(measured)}`);
    webSocket.push(measured);
  }

  // Long polls: watchers re-poll (as waitFor does) while their job changes once a second.
  log(`Long-poll cost: ${plural(options.longPollWatchers, 'watcher')} for ${options.longPollSeconds} s…`);
  const jobId = await createJob();
  stack.resetInvocationDurations();
  let watching = true;
  const pollers = Array.from({ length: options.longPollWatchers }, async () => {
    const startedAt = Date.now();
    let since = 1;
    while (watching) {
      since = (await readJobStatus(options.url, options.apiKey, jobId, `mode=long&timeout=20000&since=${since}`))
        .version;
    }
    return Date.now() - startedAt;
  });
  const windowEnds = Date.now() + options.longPollSeconds * 1000;
  let changes = 0;
  while (Date.now() < windowEnds) {
    await sleep(CHANGE_INTERVAL_MS);
    await change(jobId);
    changes++;
  }
  // The last change answers every open poll, and none polls again.
  watching = false;
  await change(jobId);
  changes++;
  const watchedMs = (await Promise.all(pollers)).reduce((a, b) => a + b, 0);
  const longPoll: LongPollCostRow = {
    mode: `long poll, ${plural(options.longPollWatchers, 'watcher')} on one job`,
    watchers: options.longPollWatchers,
    seconds: options.longPollSeconds,
    changes,
    cost: costOf(await durationsOf(), ['status', 'authorizer', 'notifier'], watchedMs / 60_000, notifierBaselineMs),
  };
  return { webSocket, longPoll, notifierBaselineMs };
}

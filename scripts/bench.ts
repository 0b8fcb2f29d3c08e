/**
 * `npm run bench`: one table of figures measured in one run against one local stack this script
 * starts itself (scripts/local-stack-process.ts as a child process):
 * end-to-end jobs/s beside the raw emulator floor on the same emulators, submit latency at 1/16/64
 * clients, submit→completed latency, long-poll wake-ups beside short polling, listing pages on
 * the sharded indexes beside one single-partition Query, bundle sizes and init times, `npm start`
 * cold and warm, and the stack's resident memory.
 *
 * Sizes (environment variables; BENCH_QUICK=1 makes every default tiny, for the harness's test):
 *   BENCH_JOBS (600) end-to-end and floor jobs · BENCH_CLIENTS (16) · BENCH_SUBMITS (500) requests
 *   per submit-latency row · BENCH_UNLOADED (30) one-at-a-time jobs · BENCH_CHANGES (100) changes
 *   per long-poll row · BENCH_INITS (5) cold inits per function · BENCH_START ("cold,warm,unchanged",
 *   quick "warm") which `npm start` runs to time · BENCH_START_JOBS (8) jobs run through
 *   each before its second memory figure · BENCH_OUTPUT (bench-results.json; quick:
 *   test-artifacts/bench-quick.json) where the figures go as JSON (`npm run cost` reads them).
 *   WebSocket rows (scripts/bench/websocket-wake.ts): BENCH_WS_SUBSCRIBERS ("1,100,1000", quick
 *   "1,2") subscribers on one job, one row each · BENCH_WS_JOBS (1000, quick 2; 0: no row) jobs
 *   with one subscriber each · BENCH_WS_CHANGES (20, quick 2) changes per one-job row ·
 *   BENCH_WS_ROUNDS (3, quick 1) changes per job in the many-jobs row · BENCH_WATCHERS (20, quick
 *   2) long polls held through a window of BENCH_WATCH_SECONDS (30, quick 3) for their GB-s per
 *   1,000 watcher-minutes. BENCH_LISTING_PAGES (30, quick 3) pages of 20 timed per listing filter.
 *   BENCH_PROFILE=1 also counts the DynamoDB/SQS calls per job through counting proxies and writes
 *   a CPU profile of the stack process to bench-profile/ (both cost speed: not for the figures).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbItemBytes } from './cost/cost-model';
import { createDocumentClient, createSqsClient } from '../src/aws/aws-clients';
import { startEmulators, type RunningEmulators } from '@serverless-jobs/local-stack';
import { BUNDLE_TARGET_BYTES, INIT_TARGET_MS, measureBundles, ofTarget, type BundleRow } from './bench/bundles';
import { startCountingProxy, type CountingProxy } from './bench/counting-proxy';
import { timeNpmStart, type StartTiming } from './bench/dev-loop';
import { measureEmulatorFloor } from './bench/emulator-floor';
import { findResources, waitForEmptyQueue } from './bench/jobs-api';
import { startLocalStackChild, type LocalStackChild } from './bench/local-stack-child';
import { measureListing } from './bench/listing';
import { measureLongPollWake, type WakeRow } from './bench/long-poll-wake';
import { samplePeakResidentBytes, treeResidentBytes } from './bench/memory';
import { latencyPercentiles, markdownTable, percentile } from './bench/stats';
import { measureSubmitLatency, type SubmitLatency } from './bench/submit-latency';
import { measureThroughput, measureUnloadedSubmitToCompleted } from './bench/throughput';
import { measureWatching, type WatchMeasurements } from './bench/websocket-wake';
import { jobTypes } from '#job-types';

const API_KEY = 'bench-api-key-0123456';
/** One token per client of the submit-latency rows: a token's usage plan limits it alone, as each client's would. */
const clientTokens = (clients: number) =>
  Array.from({ length: clients }, (_, n) => `bench-client-token-${String(n).padStart(3, '0')}`);
const quick = process.env.BENCH_QUICK === '1';
const size = (name: string, full: number, quickSize: number) => Number(process.env[name] ?? (quick ? quickSize : full));
const config = {
  quick,
  jobs: size('BENCH_JOBS', 600, 20),
  clients: size('BENCH_CLIENTS', 16, 4),
  submits: size('BENCH_SUBMITS', 500, 10),
  unloaded: size('BENCH_UNLOADED', 30, 3),
  changes: size('BENCH_CHANGES', 100, 2),
  inits: size('BENCH_INITS', 5, 1),
  startJobs: size('BENCH_START_JOBS', 8, 1),
  starts: (process.env.BENCH_START ?? (quick ? 'warm' : 'cold,warm,unchanged')).split(',').filter(Boolean),
  wsSubscribers: (process.env.BENCH_WS_SUBSCRIBERS ?? (quick ? '1,2' : '1,100,1000'))
    .split(',')
    .filter(Boolean)
    .map(Number),
  wsJobs: size('BENCH_WS_JOBS', 1000, 2),
  wsChanges: size('BENCH_WS_CHANGES', 20, 2),
  wsRounds: size('BENCH_WS_ROUNDS', 3, 1),
  watchSeconds: size('BENCH_WATCH_SECONDS', 30, 3),
  // Within the status function's reservation of 100, like the wake-up rows.
  watchers: size('BENCH_WATCHERS', 20, 2),
  listingPages: size('BENCH_LISTING_PAGES', 30, 3),
  profile: process.env.BENCH_PROFILE === '1',
  output: process.env.BENCH_OUTPUT ?? (quick ? 'test-artifacts/bench-quick.json' : 'bench-results.json'),
};
const LATENCY_CLIENTS = quick ? [1, 4] : [1, 16, 64];
// The status function's reserved concurrency (100 by default) bounds the long polls open at once,
// short pollers included: 50 waiters on one job leave it room.
const WAITERS = quick ? [1, 2] : [1, 10, 50];
/**
 * The `npm start` runs timed, by kind: cold synthesizes (--synth forces it), warm reuses cdk.out
 * (--no-synth), unchanged finds by itself that no source changed since the cold run's synthesis.
 */
const STARTS: Record<string, { args: string[]; label: string }> = {
  cold: { args: ['--synth'], label: 'npm start cold (synth)' },
  warm: { args: ['--no-synth'], label: 'npm start warm (--no-synth)' },
  unchanged: { args: [], label: 'npm start warm (sources unchanged since the last synth)' },
};

const log = (line: string) => console.error(line);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const pct = (ms: { p50: number; p95: number; p99: number }) => `${ms.p50} / ${ms.p95} / ${ms.p99} ms`;
const gbs = (gbSeconds: number) => `${gbSeconds.toFixed(1)} GB-s`;

async function main(): Promise<void> {
  const date = new Date().toISOString();
  log(`Benchmark ${quick ? '(quick) ' : ''}${JSON.stringify(config)}`);

  // 1. The dev loop first: a cold start rewrites cdk.out, which the measured stack then serves.
  const starts: Record<string, StartTiming | undefined> = {};
  const startFailures: Record<string, string> = {};
  for (const kind of config.starts) {
    log(`npm start (${kind})…`);
    // A start that fails (e.g. an emulator too slow on a loaded machine) is a figure, not the end of the run.
    starts[kind] = await timeNpmStart(STARTS[kind]?.args ?? [], config.startJobs).catch((error: Error) => {
      log(error.message);
      startFailures[kind] =
        error.message.split('\n').find((line) => /error/i.test(line)) ?? error.message.split('\n')[0]!;
      return undefined;
    });
  }

  // 2. The stack under measurement (in profile mode behind counting proxies, with a CPU profile).
  let emulators: RunningEmulators | undefined;
  let proxies: { dynamodb: CountingProxy; sqs: CountingProxy } | undefined;
  if (config.profile) {
    emulators = await startEmulators();
    proxies = { dynamodb: await startCountingProxy(emulators.dynamodb), sqs: await startCountingProxy(emulators.sqs) };
  }
  log('Starting the local stack…');
  const stack: LocalStackChild = await startLocalStackChild({
    apiKey: API_KEY,
    clientTokens: clientTokens(Math.max(...LATENCY_CLIENTS)),
    invocationStats: true,
    nodeOptions: config.profile ? ['--cpu-prof', '--cpu-prof-dir=bench-profile'] : [],
    emulators:
      emulators && proxies
        ? { dynamodb: proxies.dynamodb.url, sqs: proxies.sqs.url, region: emulators.region }
        : undefined,
  });
  try {
    const { ready } = stack;
    // The benchmark's own clients go straight to the emulators, never through the proxies.
    const direct = emulators ?? ready.emulators;
    Object.assign(process.env, {
      AWS_REGION: direct.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: direct.dynamodb,
      AWS_ENDPOINT_URL_SQS: direct.sqs,
    });
    const dynamodb = new DynamoDBClient({});
    const documentClient = createDocumentClient(dynamodb);
    const sqs = createSqsClient();
    const resources = findResources(ready);
    const url = ready.url;

    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleBytes = treeResidentBytes(stack.pid);
    const peak = samplePeakResidentBytes(stack.pid);

    // 3. Throughput end to end, after a warm-up, then the floor on the same emulators right after.
    const throughputOptions = {
      url,
      apiKey: API_KEY,
      documentClient,
      sqs,
      jobsTable: resources.jobsTable,
      queueUrl: resources.emailQueueUrl,
    };
    log('Warm-up…');
    await measureThroughput({ ...throughputOptions, jobs: config.clients * 2, clients: config.clients });
    await waitForEmptyQueue(sqs, resources.emailQueueUrl);
    stack.resetInvocationDurations();
    stack.resetFunctionLogBytes();
    proxies?.dynamodb.reset();
    proxies?.sqs.reset();
    log(`End to end: ${config.jobs} jobs, ${config.clients} clients…`);
    const throughput = await measureThroughput({ ...throughputOptions, jobs: config.jobs, clients: config.clients });
    const invocationsPerJob = Object.fromEntries(
      Object.entries(await stack.invocationDurations()).map(([id, durations]) => [id, durations.length / config.jobs]),
    );
    const logBytesPerJob = stack.functionLogBytes() / config.jobs;
    const { Item: sampleItem = {} } = await dynamodb.send(
      new GetItemCommand({ TableName: resources.jobsTable, Key: { id: { S: throughput.sampleJobId } } }),
    );
    const callsPerJob = proxies && {
      dynamodb: Object.fromEntries([...proxies.dynamodb.counts()].map(([key, n]) => [key, n / config.jobs])),
      sqs: Object.fromEntries([...proxies.sqs.counts()].map(([key, n]) => [key, n / config.jobs])),
    };
    log('Raw emulator floor…');
    const floor = await measureEmulatorFloor({
      jobs: config.jobs,
      clients: config.clients,
      dynamodb,
      documentClient,
      sqs,
      jobsTable: resources.jobsTable,
      sampleJobId: throughput.sampleJobId,
    });

    // 4. Latency one job at a time (also the invocation durations the cost model uses), then under load.
    log(`Submit → completed, one job at a time × ${config.unloaded}…`);
    await waitForEmptyQueue(sqs, resources.emailQueueUrl);
    stack.resetInvocationDurations();
    const unloaded = await measureUnloadedSubmitToCompleted({ url, apiKey: API_KEY, jobs: config.unloaded });
    const durations = await stack.invocationDurations();
    const submitLatency: SubmitLatency[] = [];
    for (const clients of LATENCY_CLIENTS) {
      await waitForEmptyQueue(sqs, resources.emailQueueUrl);
      log(`Submit latency, ${clients} client(s) × ${config.submits} requests…`);
      submitLatency.push(
        await measureSubmitLatency({ url, apiKeys: clientTokens(clients), clients, requests: config.submits }),
      );
    }
    await waitForEmptyQueue(sqs, resources.emailQueueUrl);

    // 5. Long-poll wake-ups beside short polling.
    const wake: WakeRow[] = await measureLongPollWake({
      url,
      apiKey: API_KEY,
      changes: config.changes,
      documentClient,
      waitersTable: resources.waitersTable,
      jobsTable: resources.jobsTable,
      waiterCounts: WAITERS,
      // A quick run proves the harness: a few jobs, not 20 cold starts at once on a busy machine.
      maxConcurrentWaiters: quick ? 10 : 100,
      log,
    });
    const peakBytes = peak.stop();

    // 6. WebSocket wake-ups, and Lambda GB-s per 1,000 watcher-minutes beside long polls.
    const watching: WatchMeasurements = await measureWatching({
      url,
      apiKey: API_KEY,
      stack,
      functions: ready.functions,
      subscriberCounts: config.wsSubscribers,
      jobs: config.wsJobs,
      changes: config.wsChanges,
      rounds: config.wsRounds,
      longPollWatchers: config.watchers,
      longPollSeconds: config.watchSeconds,
      log,
    });

    // 7. Listing pages, on a table every run above has filled.
    log(`Listing pages (${config.listingPages} per filter)…`);
    const listing = await measureListing({
      documentClient,
      jobsTable: resources.jobsTable,
      jobTypes: jobTypes.map((type) => type.name),
      shards: resources.listingShards,
      pages: config.listingPages,
      pageSize: 20,
    });

    // 8. Bundles and cold inits, while the stack idles.
    log(`Bundles and init times (${config.inits} cold init(s) each)…`);
    const bundles: BundleRow[] = await measureBundles(ready.functions, config.inits);

    const ratio = throughput.jobsPerSecond / floor.jobsPerSecond;
    const loaded = latencyPercentiles(throughput.submitToCompletedMs);
    const rows: string[][] = [
      [
        'end-to-end throughput',
        `${throughput.jobsPerSecond.toFixed(1)} jobs/s`,
        `${config.jobs} zero-work email jobs, ${config.clients} HTTP clients, until all completed${throughput.refused ? ` (${throughput.refused} submits refused)` : ''}`,
      ],
      [
        'raw emulator floor',
        `${floor.jobsPerSecond.toFixed(1)} jobs/s`,
        `put + send, receive + claim + complete + delete; same emulators, ${config.clients} loops, right after`,
      ],
      ['end to end / floor', `${(ratio * 100).toFixed(0)} %`, ''],
      ...submitLatency.map((row) => [
        `submit latency, ${row.clients} client${row.clients === 1 ? '' : 's'} (p50 / p95 / p99)`,
        pct(row),
        `${row.requests} requests, ${row.requestsPerSecond.toFixed(0)} req/s, one token per client; ` +
          `percentiles of the 202s; ${row.non202} not 202` +
          (Object.keys(row.statuses).length
            ? ` (${Object.entries(row.statuses)
                .map(([status, count]) => `${count} × ${status}`)
                .join(', ')})`
            : ''),
      ]),
      [
        'submit → completed, one at a time (p50 / p95 / p99)',
        pct(latencyPercentiles(unloaded)),
        `${unloaded.length} jobs`,
      ],
      ['submit → completed, under load (p50 / p95 / p99)', pct(loaded), `the end-to-end run's ${config.jobs} jobs`],
      ...wake.map((row) => [
        `wake-up, ${row.mode} (p50 / p95 / p99)`,
        pct(row),
        `${row.wakeUps} wake-ups over ${row.changes} changes, ${row.requestsPerChange.toFixed(2)} requests/change`,
      ]),
      ...watching.webSocket.map((row) => [
        `wake-up, ${row.mode} (p50 / p95 / p99)`,
        pct(row),
        `${row.deliveries} of ${row.expected} messages over ${row.changes} changes` +
          `${row.reconnects ? `, ${row.reconnects} reconnects` : ''}`,
      ]),
      [
        `Lambda GB-s per 1,000 watcher-minutes, ${watching.longPoll.mode}`,
        gbs(watching.longPoll.cost.gbSecondsPer1000WatcherMinutes),
        `measured: status function's billed ms × MemorySize over ${watching.longPoll.cost.watcherMinutes.toFixed(1)} ` +
          `watcher-minutes (${watching.longPoll.seconds} s window, ${watching.longPoll.changes} changes)`,
      ],
      ...watching.webSocket.map((row) => {
        const { invocations: calls, watcherMinutes } = row.cost;
        const perSession =
          ((calls.connect?.billedMs ?? 0) + (calls.subscribe?.billedMs ?? 0) + (calls.disconnect?.billedMs ?? 0)) /
          row.subscribers;
        return [
          `Lambda GB-s per 1,000 watcher-minutes, ${row.mode}`,
          gbs(row.cost.gbSecondsPer1000WatcherMinutes),
          `computed: $connect + subscribe + $disconnect ${perSession.toFixed(0)} ms per session, notifier ` +
            `${((calls.notifier?.billedMs ?? 0) / Math.max(1, row.deliveries)).toFixed(1)} ms per message; ` +
            `× MemorySize over ${watcherMinutes.toFixed(1)} watcher-minutes`,
        ];
      }),
      ...listing.rows.map((row) => [
        `listing page of ${row.pageSize}, ${row.filter} (p50 / p95 / p99)`,
        pct(row.merged),
        `${resources.listingShards} shards per type merged; one single-partition Query of ${row.pageSize} beside it: ` +
          `p50 ${row.single.p50} ms (${(row.merged.p50 / Math.max(0.1, row.single.p50)).toFixed(1)}×); ${row.pages} pages each`,
      ]),
      [
        `fullest listing shard, ${listing.spread.type}`,
        `${(listing.spread.hottestShare * 100).toFixed(1)} %`,
        `of ${listing.spread.jobs} ${listing.spread.type} jobs in the table (even: ${(100 / resources.listingShards).toFixed(1)} %; ` +
          `unsharded: 100 %): its share of the type's index writes`,
      ],
      ...bundles.map((row) => [
        `bundle + init, ${row.logicalId}`,
        `${kb(row.bundleBytes)}, init ${Math.round(row.medianInitMs)} ms`,
        `${ofTarget(row.bundleBytes, BUNDLE_TARGET_BYTES, 'KB')}, ${ofTarget(row.medianInitMs, INIT_TARGET_MS, 'ms')}; ` +
          `${kb(row.gzipBytes)} gzipped; init = median of ${row.initMs.length} cold imports in fresh processes`,
      ]),
      [
        'bundles within 250 KB / inits within 50 ms',
        `${bundles.filter((row) => row.bundleBytes <= BUNDLE_TARGET_BYTES).length} / ${bundles.filter((row) => row.medianInitMs <= INIT_TARGET_MS).length} of ${bundles.length}`,
        'each function: its synthesized asset, and the import of its handler in a fresh process',
      ],
      ...Object.entries(STARTS).map(([kind, { label }]) => {
        const timing = starts[kind];
        return [
          label,
          timing ? `ready in ${(timing.readyMs / 1000).toFixed(1)} s` : startFailures[kind] ? 'failed' : 'not measured',
          timing
            ? `${mb(timing.idleResidentBytes)} resident 3 s after ready, ${mb(timing.afterJobsResidentBytes)} 3 s after ${timing.jobs} jobs (process tree, emulators included)`
            : (startFailures[kind] ?? `BENCH_START=${config.starts.join(',')}`),
        ];
      }),
      [
        'local stack resident memory, idle',
        mb(idleBytes),
        `process tree${config.profile ? ' (emulators outside: profile run)' : ' incl. DynamoDB Local and fauxqs'}, 3 s after ready`,
      ],
      [
        'local stack resident memory, peak',
        mb(peakBytes),
        'sampled every 250 ms from the end-to-end run to the last wake-up',
      ],
    ];
    console.log('');
    console.log(`npm run bench${quick ? ' (BENCH_QUICK=1)' : ''}, ${date}`);
    console.log('');
    console.log(markdownTable(['measure', 'figure', 'how'], rows));
    if (callsPerJob) {
      console.log('');
      console.log('Calls per job through the emulators during the end-to-end run (profile mode):');
      for (const [service, calls] of Object.entries(callsPerJob))
        for (const [key, n] of Object.entries(calls).sort((a, b) => b[1] - a[1]))
          console.log(`  ${service}  ${n.toFixed(2)}  ${key}`);
      console.log('Invocations per job:');
      for (const [id, n] of Object.entries(invocationsPerJob)) console.log(`  ${n.toFixed(2)}  ${id}`);
    }

    const results = {
      date,
      config,
      throughput: { jobsPerSecond: throughput.jobsPerSecond, submitToCompleted: loaded },
      floor,
      ratio,
      submitLatency,
      submitToCompletedUnloaded: latencyPercentiles(unloaded),
      wake,
      watching,
      listing,
      bundles,
      starts,
      memory: { idleBytes, peakBytes },
      invocationsPerJob,
      callsPerJob,
      /** Bytes the functions logged per job during the end-to-end run (at the template's log level). */
      logBytesPerJob,
      /** DynamoDB size of a completed job's item. */
      sampleItemBytes: dynamoDbItemBytes(sampleItem),
      /** Invocation durations (ms) while jobs ran one at a time, by function logical id. */
      invocationDurationsMs: Object.fromEntries(
        Object.entries(durations).map(([id, values]) => {
          const sorted = [...values].sort((a, b) => a - b);
          return [
            id,
            {
              count: values.length,
              p50: percentile(sorted, 50),
              mean: values.reduce((a, b) => a + b, 0) / values.length,
            },
          ];
        }),
      ),
    };
    mkdirSync(path.dirname(path.resolve(config.output)), { recursive: true });
    writeFileSync(config.output, `${JSON.stringify(results, null, 2)}\n`);
    log(`Figures written to ${config.output}`);
  } finally {
    await stack.stop();
    await proxies?.dynamodb.close();
    await proxies?.sqs.close();
    await emulators?.stop();
  }
}

await main();

/**
 * `npm run cost`: list-price cost per million jobs of each type on AWS, from the synthesized template
 * (run `npm run synth` first) and, when present, the figures `npm run bench` measured
 * (bench-results.json; BENCH_OUTPUT to read another file). Prints a table per job type, the
 * assumptions used, and what an HTTP API instead of the REST API would change.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { markdownTable } from './bench/stats';
import { ASSUMED_FIGURES, costPerJob, readStackModel, type JobFigures, type Template } from './cost/cost-model';

const outdir = path.resolve(process.env.CDK_OUTDIR ?? 'cdk.out');
const benchFile = process.env.BENCH_OUTPUT ?? 'bench-results.json';

interface BenchResults {
  date: string;
  invocationDurationsMs?: Record<string, { p50: number }>;
  bundles?: { logicalId: string; medianInitMs: number }[];
  logBytesPerJob?: number;
  sampleItemBytes?: number;
}

function readTemplate(): Template {
  if (!existsSync(path.join(outdir, 'manifest.json')))
    throw new Error(`no ${outdir}/manifest.json: run npm run synth first`);
  const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stack = Object.values(manifest.artifacts).find((artifact) => artifact.type === 'aws:cloudformation:stack');
  if (!stack?.properties?.templateFile) throw new Error('no stack in the cloud assembly');
  return JSON.parse(readFileSync(path.join(outdir, stack.properties.templateFile), 'utf8')) as Template;
}

const model = readStackModel(readTemplate());
const bench: BenchResults | undefined = existsSync(benchFile)
  ? (JSON.parse(readFileSync(benchFile, 'utf8')) as BenchResults)
  : undefined;
const sources: string[] = [];

function figuresFor(type: string): JobFigures {
  const figures: JobFigures = structuredClone(ASSUMED_FIGURES);
  if (!bench) return figures;
  const submitId = model.submitRoutes[type];
  const consumerId = model.queueSources.find(
    (s) => model.functions[s.functionId]?.environment.JOB_TYPE === type,
  )?.functionId;
  const notifierId = model.streamSources[0]?.functionId;
  const measured = (id: string | undefined) => (id ? bench.invocationDurationsMs?.[id]?.p50 : undefined);
  figures.durationMs = {
    submit: measured(submitId) ?? figures.durationMs.submit,
    consumer: measured(consumerId) ?? figures.durationMs.consumer,
    notifierPerRecord: measured(notifierId) ?? figures.durationMs.notifierPerRecord,
    authorizer: measured(model.authorizer?.functionId) ?? figures.durationMs.authorizer,
  };
  const inits = [submitId, consumerId, notifierId]
    .map((id) => bench.bundles?.find((row) => row.logicalId === id)?.medianInitMs)
    .filter((ms): ms is number => ms !== undefined);
  if (inits.length) figures.initMs = inits.reduce((a, b) => a + b, 0) / inits.length;
  // Only the email jobs ran in the benchmark: its log volume and item size stand for every type.
  if (bench.logBytesPerJob !== undefined) figures.functionLogBytesPerJob = bench.logBytesPerJob;
  if (bench.sampleItemBytes) figures.itemBytes = bench.sampleItemBytes;
  return figures;
}

const money = (usd: number) => (usd >= 0.01 ? `$${usd.toFixed(2)}` : usd > 0 ? `$${usd.toFixed(4)}` : '$0');
const types = Object.keys(model.submitRoutes).filter((type) =>
  model.queueSources.some((s) => model.functions[s.functionId]?.environment.JOB_TYPE === type),
);
console.log(
  bench
    ? `Measured figures from ${benchFile} (${bench.date}): invocation durations (p50, one job at a time), init (median cold import), function log bytes and item size per email job.`
    : `No ${benchFile}: every per-job figure below is an assumption (run npm run bench to measure them).`,
);
sources.push(...[]);
const summary: string[][] = [];
for (const type of types) {
  const figures = figuresFor(type);
  const cost = costPerJob(model, type, figures);
  console.log('');
  console.log(`## ${type}: ${money(cost.totalPerMillionJobs)} per million jobs`);
  console.log('');
  console.log(
    markdownTable(
      ['service', 'item', 'per job', 'per million jobs'],
      cost.lines.map((line) => [
        line.service,
        line.item,
        `${Number(line.perJob.toPrecision(3))} ${line.unit}`,
        money(line.perMillionJobs),
      ]),
    ),
  );
  const byService = new Map<string, number>();
  for (const line of cost.lines) byService.set(line.service, (byService.get(line.service) ?? 0) + line.perMillionJobs);
  summary.push([
    type,
    ...[...byService.values()].map(money),
    money(cost.totalPerMillionJobs),
    money(cost.totalWithHttpApi),
  ]);
  if (type === types[0])
    summary.unshift([
      'type',
      ...byService.keys(),
      'total',
      `total with ${model.api?.kind === 'HTTP' ? 'REST' : 'HTTP'} API`,
    ]);
}
console.log('');
console.log('## Per million jobs, by service');
console.log('');
console.log(markdownTable(summary[0]!, summary.slice(1)));
const f = figuresFor(types[0] ?? 'email');
console.log('');
console.log(
  'Assumptions: us-east-1 list prices, first tier, no free tier; every job succeeds on its first attempt (submit put,',
);
console.log(
  'claim (no read first) and complete updates, TTL removal later: 4 stream records); no Idempotency-Key, no long polls;',
);
console.log(
  `event source batches ${f.batchFill === 1 ? 'full' : `${f.batchFill * 100} % full`} (sustained load; at low rates each message is its own invocation);`,
);
console.log(
  `consumer and notifier billed per job/record as if unbatched; ${(f.coldStartShare * 100).toFixed(0)} % of invocations start cold (INIT billed);`,
);
console.log(
  `${f.platformLogBytesPerInvocation} B of platform log lines per invocation, ${f.accessLogBytesPerRequest} B per access-log line; X-Ray samples ${(f.tracedShare * 100).toFixed(0)} % of requests.`,
);
console.log(
  'Local durations come from a shared 2-core machine against emulators: on AWS, 512 MB of arm64 is about a third of a vCPU,',
);
console.log('so CPU-bound work may run longer there, and calls to DynamoDB/SQS return faster than the emulators.');
console.log(
  'Not per job: each long poll adds an API request, a GetJobStatus invocation billed for the whole wait (a 10 s wait at',
);
console.log(
  '512 MB is 5 GB-s = $0.067 per thousand), a waiter put and delete, the follow mark (one write), the inbox receive,',
);
console.log('and while followed, one waiter and one subscriber Query per change of the job; idle SQS pollers (~5 per');
console.log(
  'queue, 20 s long polls) cost about $0.26 per queue per month; custom metrics extracted from EMF cost per metric-month.',
);

/**
 * `npm run bench` works end to end: in quick mode (tiny sizes) it starts its own local stack,
 * measures every row and prints one table with a figure in each, and writes the figures as JSON.
 * It asserts the table's shape, never speed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const OUTPUT = 'test-artifacts/bench-harness.json';

let running: ChildProcess | undefined;
// A run cut short by the test's timeout must not outlive jest (its stack would keep jest open).
afterAll(() => running?.kill('SIGTERM'));

function runQuickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = (running = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench.ts'], {
    env: { ...process.env, BENCH_QUICK: '1', BENCH_OUTPUT: OUTPUT },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

test('the quick benchmark prints one table with a figure in every row and writes its JSON', async () => {
  const { code, stdout, stderr } = await runQuickBench();
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

  const tableLines = stdout.split('\n').filter((line) => line.startsWith('|'));
  expect(tableLines[0]).toMatch(/^\| measure +\| figure +\| how +\|$/);
  const rows = new Map(
    tableLines.slice(2).map((line) => {
      const [measure = '', figure = ''] = line
        .split('|')
        .slice(1, 3)
        .map((cell) => cell.trim());
      return [measure, figure];
    }),
  );
  expect(rows.get('end-to-end throughput')).toMatch(/^\d+\.\d jobs\/s$/);
  expect(rows.get('raw emulator floor')).toMatch(/^\d+\.\d jobs\/s$/);
  expect(rows.get('end to end / floor')).toMatch(/^\d+ %$/);
  const latencyRows = [...rows].filter(([measure]) => /^(submit|wake-up)/.test(measure));
  expect(latencyRows.map(([measure]) => measure)).toEqual([
    'submit latency, 1 client (p50 / p95 / p99)',
    'submit latency, 4 clients (p50 / p95 / p99)',
    'submit → completed, one at a time (p50 / p95 / p99)',
    'submit → completed, under load (p50 / p95 / p99)',
    'wake-up, long poll, 1 waiter (p50 / p95 / p99)',
    'wake-up, long poll, 2 waiters (p50 / p95 / p99)',
    'wake-up, long poll, 1 waiter, stream only (p50 / p95 / p99)',
    'wake-up, short poll every 1 s (p50 / p95 / p99)',
    'wake-up, WebSocket, 1 subscriber on one job (p50 / p95 / p99)',
    'wake-up, WebSocket, 2 subscribers on one job (p50 / p95 / p99)',
    'wake-up, WebSocket, 2 jobs × 1 subscriber (p50 / p95 / p99)',
  ]);
  for (const [, figure] of latencyRows) expect(figure).toMatch(/^\d+ \/ \d+ \/ \d+ ms$/);
  // What watching costs in Lambda time: measured for long polls, computed from invocations for WebSockets.
  const costRows = [...rows].filter(([measure]) => measure.startsWith('Lambda GB-s per 1,000 watcher-minutes, '));
  expect(costRows.map(([measure]) => measure.slice('Lambda GB-s per 1,000 watcher-minutes, '.length))).toEqual([
    'long poll, 2 watchers on one job',
    'WebSocket, 1 subscriber on one job',
    'WebSocket, 2 subscribers on one job',
    'WebSocket, 2 jobs × 1 subscriber',
  ]);
  for (const [, figure] of costRows) expect(figure).toMatch(/^\d+\.\d GB-s$/);
  // A listing row per filter beside a single-partition Query, and the spread of email jobs over their shards.
  const listingRows = [...rows].filter(([measure]) => measure.startsWith('listing page of 20, '));
  expect(listingRows.map(([measure]) => measure.slice('listing page of 20, '.length))).toEqual([
    'all types (p50 / p95 / p99)',
    'type=email (p50 / p95 / p99)',
    'status=completed (p50 / p95 / p99)',
    'status=completed&type=email (p50 / p95 / p99)',
  ]);
  for (const [, figure] of listingRows) expect(figure).toMatch(/^\d+ \/ \d+ \/ \d+ ms$/);
  expect(rows.get('fullest listing shard, email')).toMatch(/^\d+\.\d %$/);
  // One bundle row per function of the template, each with a size and an init time.
  const template = JSON.parse(readFileSync('cdk.out/ServerlessJobs.template.json', 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Handler?: string } }>;
  };
  const functionIds = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler)
    .map(([id]) => id);
  const bundleRows = [...rows].filter(([measure]) => measure.startsWith('bundle + init, '));
  expect(bundleRows.map(([measure]) => measure.slice('bundle + init, '.length)).sort()).toEqual(
    expect.arrayContaining(functionIds.filter((id) => !id.startsWith('LogRetention')).sort()),
  );
  for (const [, figure] of bundleRows) expect(figure).toMatch(/^\d+ KB, init \d+ ms$/);
  // An emulator too slow to start on a loaded machine is reported in the row rather than ending the run.
  expect(rows.get('npm start warm (--no-synth)')).toMatch(/^(ready in \d+\.\d s|failed)$/);
  expect(rows.get('npm start cold (synth)')).toBe('not measured');
  expect(rows.get('local stack resident memory, idle')).toMatch(/^\d+ MB$/);
  expect(rows.get('local stack resident memory, peak')).toMatch(/^\d+ MB$/);

  const results = JSON.parse(readFileSync(OUTPUT, 'utf8')) as Record<string, unknown>;
  expect(Object.keys(results)).toEqual(
    expect.arrayContaining([
      'date',
      'throughput',
      'floor',
      'ratio',
      'submitLatency',
      'wake',
      'watching',
      'listing',
      'bundles',
      'invocationDurationsMs',
    ]),
  );
}, 900_000);

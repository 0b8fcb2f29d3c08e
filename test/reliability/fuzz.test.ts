import { startLocalStackChild, type LocalStackChild } from '../../scripts/bench/local-stack-child';
import { fuzzEventHandlers } from '../../scripts/reliability/event-handler-fuzz';
import { formatFuzzReport, runFuzz } from '../../scripts/reliability/fuzz-run';

/**
 * The short fuzz run (`npm run fuzz` is the full one): FUZZ_RUNS (500) generated requests over every
 * route of the stack's OpenAPI document, then malformed SQS and stream batches fed to the functions
 * the event source mappings trigger.
 */
const API_KEY = 'fuzz-test-api-key';
let stack: LocalStackChild;

beforeAll(async () => {
  stack = await startLocalStackChild({ apiKey: API_KEY, logLevel: 'ERROR' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

test('no generated request gets a 5xx, and every 4xx is a problem naming what it refused', async () => {
  const report = await runFuzz({
    url: stack.ready.url,
    apiKey: API_KEY,
    runs: Number(process.env.FUZZ_RUNS ?? 500),
    concurrency: 4,
    ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
  });
  expect(report.routes).toBeGreaterThan(10);
  // Requests reached the functions, not only the gateway's refusals.
  expect(Object.keys(report.byStatus).filter((status) => status.startsWith('2')).length).toBeGreaterThan(0);
  const lines = formatFuzzReport(report);
  // The figures and each violation's example, so a failure says which request broke which rule.
  console.log(lines.join('\n'));
  // The figures, then one indented line per kind of violation: none.
  expect(lines.slice(2, 4)).toEqual(['answers ≥ 500: 0', '4xx not a problem naming the field: 0']);
  expect(lines.filter((line) => line.startsWith('  '))).toEqual([]);
}, 600_000);

test('malformed SQS and DynamoDB stream records never make a triggered handler throw', async () => {
  const report = await fuzzEventHandlers({
    invoke: (logicalId, event) => stack.invoke(logicalId, event),
    eventsPerFunction: Number(process.env.FUZZ_EVENTS ?? 25),
  });
  expect(report.functions.map((fn) => fn.source).sort()).toEqual(expect.arrayContaining(['dynamodb-stream', 'sqs']));
  expect(report.thrown).toEqual([]);
}, 300_000);

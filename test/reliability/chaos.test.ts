import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalStackChild, type LocalStackChild } from '../../scripts/bench/local-stack-child';
import { CHAOS_FAULT_RATES, formatChaosReport, runChaos } from '../../scripts/reliability/chaos-run';
import { SIMULATED_SEND_LOG_VARIABLE } from '../../src/jobs/providers/simulated-send-log';

/**
 * The short chaos run (`npm run chaos` is the full one): CHAOS_JOBS (100) mixed jobs against a
 * local stack of its own in chaos mode, crashes and hangs after the handler (so the run waits for
 * no visibility timeout), duplicate deliveries and SDK throttling. No job may be lost, completed
 * twice or left stuck.
 */
const API_KEY = 'chaos-test-api-key';
let stack: LocalStackChild;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-test-'));
  stack = await startLocalStackChild({
    apiKey: API_KEY,
    chaos: CHAOS_FAULT_RATES.short,
    env: { [SIMULATED_SEND_LOG_VARIABLE]: path.join(dir, 'sends.jsonl') },
    logLevel: 'ERROR',
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('mixed jobs under injected faults: none lost, none completed twice, none stuck', async () => {
  const report = await runChaos({
    url: stack.ready.url,
    apiKey: API_KEY,
    jobs: Number(process.env.CHAOS_JOBS ?? 100),
    clients: 4,
    sendLogFile: path.join(dir, 'sends.jsonl'),
    // Headroom for a loaded machine: a duplicate delivery that finds the job leased looks again
    // once the holder's run must be over (the function's timeout + 2 s), not at the lease's end.
    settleTimeoutMs: 450_000,
    faults: () => stack.faults(),
  });
  const summary = formatChaosReport(report).join('\n');
  expect(report.accepted).toBeGreaterThan(0);
  // Faults really were injected, of every kind the short profile asks for that a run this size meets.
  expect(report.faultsTotal).toBeGreaterThan(0);
  expect({ summary, lost: report.lost, unreadable: report.unreadable, stuck: report.stuck }).toEqual({
    summary,
    lost: 0,
    unreadable: 0,
    stuck: 0,
  });
  expect({
    summary,
    history: report.completedTwiceByHistory,
    effects: report.completedTwiceByEffects,
    sameAttempt: report.deduplicated.sameAttempt,
  }).toEqual({ summary, history: 0, effects: 0, sameAttempt: 0 });
}, 600_000);

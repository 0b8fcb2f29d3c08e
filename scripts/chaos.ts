/**
 * `npm run chaos`: CHAOS_JOBS (1000) mixed jobs submitted by CHAOS_CLIENTS (8) clients to a local
 * stack this script starts in chaos mode (consumer crashes and hangs, duplicate deliveries, SDK
 * throttling on a fraction of calls; CHAOS_PROFILE=short for the test's gentler rates), each job
 * followed until it is final (at most CHAOS_SETTLE_MS, default 15 min). Prints jobs, faults per
 * kind, lost, completed twice, stuck and lateness; exits 1 when any job was lost, completed twice
 * or left stuck.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalStackChild } from './bench/local-stack-child';
import { CHAOS_FAULT_RATES, chaosFailed, formatChaosReport, runChaos } from './reliability/chaos-run';
import { SIMULATED_SEND_LOG_VARIABLE } from '../src/jobs/providers/simulated-send-log';

const API_KEY = 'chaos-api-key-0123456';
const profile = process.env.CHAOS_PROFILE === 'short' ? 'short' : 'full';
const jobs = Number(process.env.CHAOS_JOBS ?? 1000);
const log = (line: string) => console.error(line);

const dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-'));
const sendLogFile = path.join(dir, 'sends.jsonl');
log(`chaos: starting the local stack in chaos mode ${JSON.stringify(CHAOS_FAULT_RATES[profile])}…`);
const stack = await startLocalStackChild({
  apiKey: API_KEY,
  chaos: CHAOS_FAULT_RATES[profile],
  env: { [SIMULATED_SEND_LOG_VARIABLE]: sendLogFile },
  logLevel: 'ERROR',
  ...(process.env.CHAOS_VERBOSE ? { log } : {}),
});
let failed: boolean | undefined;
try {
  const report = await runChaos({
    url: stack.ready.url,
    apiKey: API_KEY,
    jobs,
    clients: Number(process.env.CHAOS_CLIENTS ?? 8),
    sendLogFile,
    settleTimeoutMs: Number(process.env.CHAOS_SETTLE_MS ?? 15 * 60_000),
    faults: () => stack.faults(),
    log,
  });
  for (const line of formatChaosReport(report)) console.log(line);
  failed = chaosFailed(report);
} finally {
  await stack.stop();
  // A failed run keeps the providers' delivery log, to see which recipient got what.
  if (failed === false) rmSync(dir, { recursive: true, force: true });
  else console.error(`chaos: the providers' deliveries are in ${sendLogFile}`);
}
process.exit(failed === false ? 0 : 1);

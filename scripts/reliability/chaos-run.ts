/**
 * The chaos run: mixed jobs submitted to a local stack in chaos mode (faults injected into its
 * functions), then every accepted job followed until it is final. What counts:
 * - lost: accepted (2xx) but the API no longer knows the job;
 * - completed twice: a job whose history shows two completions, a job the simulated providers
 *   delivered twice (their send log names each call's idempotency key, `<jobId>:<round>`), or a
 *   delivery for a job no accepted submit created (a submit that ran twice);
 * - calls the providers answered from their idempotency keys instead of delivering again, by
 *   whether the same attempt called twice or a later attempt re-ran a delivered job (the
 *   at-least-once window such a key closes);
 * - stuck: not final when the run gives up waiting;
 * - lateness: the first pickup (first `processing` in the history) against the job's schedule.
 */
import { readFileSync, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { providerIdempotencyKey } from '../../src/jobs/job-rounds';
import { cleanupRecipient, type SimulatedSend } from '../../src/jobs/providers/simulated-send-log';
import { SIMULATED_SMS_NUMBERS } from '../../src/jobs/providers/simulated-sms-sender';
import { forEachConcurrently, sendRetrying } from './http';

/** The chaos options of the short (test) and full runs. */
export const CHAOS_FAULT_RATES = {
  full: { crashRate: 0.03, hangRate: 0.01, duplicateRate: 0.05, sdkThrottleRate: 0.1, placement: 'either' },
  // Faults after the handler cost no waiting (the work is done, only the acknowledgement is lost);
  // before it, a batch waits out its visibility timeout (6 × the function's timeout).
  short: { crashRate: 0.05, hangRate: 0.02, duplicateRate: 0.1, sdkThrottleRate: 0.03, placement: 'after' },
} as const;

export interface ChaosRunOptions {
  url: string;
  apiKey: string;
  jobs: number;
  /** Concurrent submitting clients. */
  clients: number;
  /** The file the simulated providers append their deliveries to (JOBS_SIMULATED_SEND_LOG of the stack). */
  sendLogFile: string;
  /** Give up waiting for jobs to be final after this long. */
  settleTimeoutMs: number;
  /** The faults the stack injected so far. */
  faults: () => Promise<Record<string, number>>;
  log?: (line: string) => void;
}

interface PlannedJob {
  type: 'email' | 'sms' | 'cleanup';
  kind: string;
  body: Record<string, unknown>;
  /** The key the simulated provider records a delivery under. */
  recipient: string;
  expected: 'completed' | 'failed';
}

interface HistoryEntry {
  status: string;
  at: string;
}

interface JobView {
  id: string;
  status: string;
  createdAt: string;
  runAt?: string;
  updatedAt: string;
  history: HistoryEntry[];
}

export interface ChaosReport {
  jobs: number;
  accepted: number;
  /** Submits still refused after the client's retries (never accepted, so not counted as lost). */
  refused: number;
  /** Client retries of 429/502/503/504 answers and connection errors (submits and reads). */
  clientRetries: number;
  faults: Record<string, number>;
  faultsTotal: number;
  byStatus: Record<string, number>;
  lost: number;
  completedTwiceByHistory: number;
  /** Jobs delivered twice, plus deliveries for jobs no accepted submit created (see the next two). */
  completedTwiceByEffects: number;
  /** Accepted jobs the providers delivered more than once (a second delivery, not deduplicated). */
  deliveredTwice: number;
  /** Jobs no accepted submit created that were delivered (recipients of refused submits left out). */
  unrequestedJobsDelivered: number;
  /** Provider calls answered from the idempotency key (nothing delivered): the same attempt again, a later attempt. */
  deduplicated: { sameAttempt: number; laterAttempt: number };
  /** Accepted jobs the run could not read back (neither found nor 404): unaccounted for. */
  unreadable: number;
  /** Recipients left out of the unrequested-job count: a submit to them was refused yet may have run. */
  ambiguousRecipients: number;
  /** Completed jobs whose delivery the providers never recorded (should be 0 too). */
  completedWithoutEffect: number;
  stuck: number;
  /** Final status other than the one the job's kind leads to (e.g. attempts used up by faults). */
  unexpectedOutcomes: number;
  worstPickupLatenessMs: number;
  p99PickupLatenessMs: number;
  worstCompletionMs: number;
  durationMs: number;
  /** A few ids of lost or stuck jobs, to look at. */
  examples: string[];
}

/** Job i of the mix: successes, transient failures that recover, permanent failures, delays, cleanups. */
function planJob(i: number, run: string): PlannedJob {
  const unique = `${run}-${i}`;
  const subject = `Chaos ${i}`;
  switch (i % 10) {
    case 0:
      return email('success', `chaos-${unique}@example.com`, 'completed');
    case 1:
      return email('fail-1', `fail-1@${unique}.example.com`, 'completed');
    case 2:
      return email('fail-2', `fail-2@${unique}.example.com`, 'completed');
    case 3:
      return email('bounce', 'bounce@simulator.amazonses.com', 'failed');
    case 4:
      return sms('success', `+1415${String(i).padStart(7, '0')}`, 'completed');
    case 5:
      return sms('fail-2', `${SIMULATED_SMS_NUMBERS.failFirstPrefix}2`, 'completed');
    case 6:
      return sms('unreachable', SIMULATED_SMS_NUMBERS.unreachable, 'failed');
    case 7: {
      const request = { task: 'delete_temp' as const, durationMs: i % 50, simulateFailures: i % 2 };
      return {
        type: 'cleanup',
        kind: 'cleanup',
        body: request,
        recipient: cleanupRecipient(request),
        expected: 'completed',
      };
    }
    case 8:
      return email('delayed 2 s', `delayed-${unique}@example.com`, 'completed', 2_000);
    default:
      return sms('delayed 1 s', `+1416${String(i).padStart(7, '0')}`, 'completed', 1_000);
  }
  function email(kind: string, to: string, expected: PlannedJob['expected'], delay?: number): PlannedJob {
    const body = { to, subject, body: 'Hello from the chaos run', ...(delay ? { delay } : {}) };
    return { type: 'email', kind: `email ${kind}`, body, recipient: to, expected };
  }
  function sms(kind: string, phone: string, expected: PlannedJob['expected'], delay?: number): PlannedJob {
    const body = { phone, message: 'Hello', ...(delay ? { delay } : {}) };
    return { type: 'sms', kind: `sms ${kind}`, body, recipient: phone, expected };
  }
}

const FINAL = new Set(['completed', 'failed', 'cancelled', 'done']);

export async function runChaos(options: ChaosRunOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const startedAt = Date.now();
  const run = randomUUID().slice(0, 8);
  const counters = { retries: 0 };
  const headers = { 'x-api-key': options.apiKey };
  const planned = Array.from({ length: options.jobs }, (_, i) => planJob(i, run));
  const accepted = new Map<string, PlannedJob>();
  let refused = 0;
  const refusedRecipients: string[] = [];

  log(`chaos: submitting ${options.jobs} jobs with ${options.clients} clients…`);
  await forEachConcurrently(planned, options.clients, async (job) => {
    const answer = await sendRetrying(
      `${options.url}/jobs/${job.type}`,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify(job.body),
      },
      counters,
    ).catch(() => undefined);
    const id = (answer?.json as { id?: unknown } | undefined)?.id;
    if (answer && answer.status < 300 && typeof id === 'string') accepted.set(id, job);
    else {
      refused++;
      refusedRecipients.push(job.recipient);
      log(`chaos: submit refused: ${answer?.status ?? 'no answer'} ${answer?.text.slice(0, 200) ?? ''}`);
    }
  });
  log(`chaos: ${accepted.size} accepted in ${Date.now() - startedAt} ms; waiting for them to be final…`);

  // Follow every accepted job until final (short polls of the status route) or the deadline.
  const pending = new Set(accepted.keys());
  const missing = new Set<string>();
  const deadline = Date.now() + options.settleTimeoutMs;
  let lastReport = 0;
  while (pending.size > 0 && Date.now() < deadline) {
    await forEachConcurrently([...pending], 16, async (id) => {
      const answer = await sendRetrying(`${options.url}/jobs/${id}/status`, { headers }, counters).catch(
        () => undefined,
      );
      if (answer?.status === 404) missing.add(id);
      const status = (answer?.json as { status?: unknown } | undefined)?.status;
      if (typeof status === 'string' && FINAL.has(status)) pending.delete(id);
    });
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      log(`chaos: ${pending.size} not final yet after ${Math.round((Date.now() - startedAt) / 1000)} s`);
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  // Read every job back, history included. Only a 404 says a job is gone; a read that keeps
  // failing otherwise leaves the job unaccounted for (a failure of the run, reported apart).
  const views = new Map<string, JobView>();
  const unreadable = new Map<string, string>();
  await forEachConcurrently([...accepted.keys()], 8, async (id) => {
    const answer = await sendRetrying(`${options.url}/jobs/${id}`, { headers }, counters, 12).catch(
      (error: Error) => error,
    );
    if (answer instanceof Error) unreadable.set(id, answer.message);
    else if (answer.status === 200) views.set(id, answer.json as JobView);
    else if (answer.status === 404) missing.add(id);
    else unreadable.set(id, `${answer.status} ${answer.text.slice(0, 200)}`);
  });

  const byStatus: Record<string, number> = {};
  let completedTwiceByHistory = 0;
  let unexpectedOutcomes = 0;
  const pickupLateness: number[] = [];
  let worstCompletionMs = 0;
  const examples: string[] = [];
  let lost = 0;
  let stuck = 0;
  for (const [id, job] of accepted) {
    const view = views.get(id);
    if (!view) {
      if (missing.has(id)) lost++;
      if (examples.length < 10)
        examples.push(`${missing.has(id) ? 'lost' : 'unreadable'} ${id} (${job.kind}): ${unreadable.get(id) ?? '404'}`);
      continue;
    }
    byStatus[view.status] = (byStatus[view.status] ?? 0) + 1;
    if (!FINAL.has(view.status)) {
      stuck++;
      if (examples.length < 10) examples.push(`stuck ${id} (${job.kind}) ${view.status}`);
    }
    if (view.history.filter((entry) => entry.status === 'completed').length > 1) completedTwiceByHistory++;
    if (FINAL.has(view.status) && view.status !== job.expected) unexpectedOutcomes++;
    const due = Date.parse(view.runAt ?? view.createdAt);
    const pickup = view.history.find((entry) => entry.status === 'processing');
    if (pickup) pickupLateness.push(Math.max(0, Date.parse(pickup.at) - due));
    if (FINAL.has(view.status)) worstCompletionMs = Math.max(worstCompletionMs, Date.parse(view.updatedAt) - due);
  }

  // The providers' side, per idempotency key: a key is one run of one job. A submit refused with a
  // 504 may still have created a job: deliveries to its recipient for unknown jobs are ambiguous.
  const ambiguous = new Set(refusedRecipients);
  const keyOf = new Map([...accepted.keys()].map((id) => [providerIdempotencyKey({ id }), id]));
  const callsByKey = new Map<string, SimulatedSend[]>();
  if (existsSync(options.sendLogFile)) {
    for (const line of readFileSync(options.sendLogFile, 'utf8').split('\n')) {
      if (!line) continue;
      const send = JSON.parse(line) as SimulatedSend;
      callsByKey.set(send.idempotencyKey, [...(callsByKey.get(send.idempotencyKey) ?? []), send]);
    }
  }
  let deliveredTwice = 0;
  let unrequestedJobsDelivered = 0;
  const deduplicated = { sameAttempt: 0, laterAttempt: 0 };
  for (const [key, calls] of callsByKey) {
    const deliveries = calls.filter((call) => !call.deduplicated);
    const first = deliveries[0];
    if (!keyOf.has(key)) {
      if (first && !ambiguous.has(first.recipient)) {
        unrequestedJobsDelivered++;
        if (examples.length < 20) examples.push(`unrequested job delivered: ${key} (${first.channel} at ${first.at})`);
      }
      continue;
    }
    if (deliveries.length > 1) {
      deliveredTwice++;
      if (examples.length < 20)
        examples.push(`delivered twice: ${key} ${deliveries.map((d) => `attempt ${d.attempt} at ${d.at}`).join(', ')}`);
    }
    for (const call of calls.filter((c) => c.deduplicated)) {
      if (first && call.attempt === first.attempt) deduplicated.sameAttempt++;
      else deduplicated.laterAttempt++;
      if (examples.length < 20)
        examples.push(
          `deduplicated: ${key} attempt ${call.attempt} at ${call.at} (delivered on attempt ${first?.attempt} at ${first?.at})`,
        );
    }
  }
  let completedWithoutEffect = 0;
  for (const [id, job] of accepted) {
    const delivered = (callsByKey.get(providerIdempotencyKey({ id })) ?? []).some((call) => !call.deduplicated);
    if (views.get(id)?.status === 'completed' && !delivered) {
      completedWithoutEffect++;
      if (examples.length < 20) examples.push(`completed without a delivery: ${id} (${job.kind})`);
    }
  }
  const completedTwiceByEffects = deliveredTwice + unrequestedJobsDelivered;

  const faults = await options.faults();
  const faultsTotal = Object.entries(faults)
    .filter(([kind]) => !kind.includes(':') || kind.startsWith('sdk-'))
    .reduce((sum, [, n]) => sum + n, 0);
  pickupLateness.sort((a, b) => a - b);
  return {
    jobs: options.jobs,
    accepted: accepted.size,
    refused,
    clientRetries: counters.retries,
    faults,
    faultsTotal,
    byStatus,
    lost,
    completedTwiceByHistory,
    completedTwiceByEffects,
    deliveredTwice,
    unrequestedJobsDelivered,
    deduplicated,
    completedWithoutEffect,
    unreadable: unreadable.size,
    ambiguousRecipients: ambiguous.size,
    stuck,
    unexpectedOutcomes,
    worstPickupLatenessMs: pickupLateness.at(-1) ?? 0,
    p99PickupLatenessMs: pickupLateness[Math.floor(pickupLateness.length * 0.99)] ?? 0,
    worstCompletionMs,
    durationMs: Date.now() - startedAt,
    examples,
  };
}

/** The report as the lines `npm run chaos` prints. */
export function formatChaosReport(report: ChaosReport): string[] {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    `jobs: ${report.jobs} submitted, ${report.accepted} accepted, ${report.refused} refused after retries (${report.clientRetries} client retries of 429/502/503/504)`,
    `faults injected: ${report.faultsTotal} — ${Object.entries(report.faults)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ')}`,
    `final: ${Object.entries(report.byStatus)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ')} (${report.unexpectedOutcomes} not the outcome their kind leads to)`,
    `lost: ${report.lost}${report.unreadable ? ` (and ${report.unreadable} accepted jobs could not be read back)` : ''}`,
    `completed twice: ${report.completedTwiceByHistory} by history, ${report.completedTwiceByEffects} by provider side effects (${report.deliveredTwice} jobs delivered twice, ${report.unrequestedJobsDelivered} jobs no accepted submit created delivered; ${report.completedWithoutEffect} completed without a delivery${report.ambiguousRecipients ? `; ${report.ambiguousRecipients} recipients of refused submits left out` : ''})`,
    `deliveries the providers' idempotency keys prevented: ${report.deduplicated.sameAttempt + report.deduplicated.laterAttempt} — ${report.deduplicated.sameAttempt} by the same attempt again, ${report.deduplicated.laterAttempt} by a later attempt after a delivered one`,
    `stuck: ${report.stuck}`,
    `lateness against schedule (first pickup): worst ${seconds(report.worstPickupLatenessMs)}, p99 ${seconds(report.p99PickupLatenessMs)}; worst due → final ${seconds(report.worstCompletionMs)}`,
    `run took ${seconds(report.durationMs)}`,
    ...report.examples,
  ];
}

/**
 * Whether the run found a defect: a lost, twice-completed or stuck job, or a provider called twice
 * by the same attempt (two runs under one claim, which the conditional claim must prevent). A later
 * attempt calling again after a delivery is the at-least-once window the idempotency key closes.
 */
export function chaosFailed(report: ChaosReport): boolean {
  return (
    report.lost > 0 ||
    report.completedTwiceByHistory > 0 ||
    report.completedTwiceByEffects > 0 ||
    report.deduplicated.sameAttempt > 0 ||
    report.stuck > 0 ||
    report.unreadable > 0 ||
    report.accepted === 0
  );
}

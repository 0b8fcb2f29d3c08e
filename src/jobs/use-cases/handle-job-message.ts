import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyUnavailableError } from '../errors/dependency-unavailable-error';
import { JobConflictError } from '../errors/job-conflict-error';
import { PermanentJobError } from '../errors/permanent-job-error';
import { backoffDelayMs } from '../backoff';
import { firstClaimOf } from '../first-claim';
import { isTerminal, type Job, type JobError } from '../job';
import { FIRST_ROUND, isFromEarlierRound, messageFor, roundOf } from '../job-rounds';
import { transition } from '../job-state-machine';
import type { MessageSenders } from '../define-job-type';
import type { JobTypeRegistry } from '../job-type-registry';
import { sqsDelaySeconds } from '../new-job';
import type { JobLog } from '../ports/job-log';
import type { JobMetrics } from '../ports/job-metrics';
import type { JobMessage, JobQueue } from '../ports/job-queue';
import type { JobsRepository } from '../ports/jobs-repository';
import { retryOnConflict } from '../retry-on-conflict';

export interface HandleJobMessageDeps {
  repository: JobsRepository;
  queue: JobQueue;
  /** The deployment's job types: processors, backoff, masking. */
  jobTypes: JobTypeRegistry;
  /** The deployment's message channels, for the providers of the types that send through them. */
  senders: MessageSenders;
  log: JobLog;
  clock: () => Date;
  /** How long a claim lasts: the queue's visibility timeout, after which the message is redelivered. */
  leaseSeconds: number;
  random?: () => number;
  metrics?: JobMetrics;
  /** Waits between tries of a throttled completion save (default: a timer). */
  wait?: (ms: number) => Promise<unknown>;
}

/** What to do with the message once the job has been looked after. */
export type MessageOutcome =
  /** Delete the message: the job is finished, re-delayed, or not ours to run. */
  | { kind: 'acknowledge'; reason: string }
  /** Leave the message for redelivery after `visibilitySeconds`. */
  | { kind: 'retry-later'; visibilitySeconds: number; reason: string };

export class UnreadableMessageError extends Error {
  override readonly name = 'UnreadableMessageError';
}

/** Reads a job message; `jobTypes` are the names the worker may run (the registry's). */
export function parseJobMessage(body: string, jobTypes: readonly string[]): JobMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new UnreadableMessageError('Message body is not JSON');
  }
  const { jobId, type, round = FIRST_ROUND } = (parsed ?? {}) as Partial<Record<keyof JobMessage, unknown>>;
  if (typeof jobId !== 'string' || jobId === '' || typeof type !== 'string' || !jobTypes.includes(type)) {
    throw new UnreadableMessageError('Message body lacks a jobId and a known type');
  }
  if (!Number.isInteger(round) || (round as number) < FIRST_ROUND) {
    throw new UnreadableMessageError('Message round is not a positive integer');
  }
  return { jobId, type, round: round as number };
}

const secondsUntil = (iso: string, now: Date): number =>
  Math.max(0, Math.ceil((new Date(iso).getTime() - now.getTime()) / 1000));

/** After the holder's run must have ended, how long its outcome (a retry's visibility, a delete) takes to land. */
export const LEASED_RECHECK_MARGIN_SECONDS = 2;

/**
 * When a delivery that found the job leased by another worker should look again. The holder's run
 * ends by its claim + the function's timeout (`runSeconds`: Lambda stops it there); the lease lasts
 * on to the queue's visibility timeout (`leaseSeconds`, 6 × that) only for a holder that died. So
 * the delivery comes back once the run must be over, to see its outcome, and waits for the lease's
 * end only when the job is still held then. A duplicate delivery is the same SQS message as the
 * holder's, so its visibility is the holder's too: hiding it until the lease's end would also hide
 * the short retry the holder may just have scheduled on it (found by the chaos run).
 */
export function leasedRecheckSeconds(leaseUntil: string, leaseSeconds: number, runSeconds: number, now: Date): number {
  const leaseEnds = new Date(leaseUntil).getTime();
  const runEnds = leaseEnds - Math.max(0, leaseSeconds - runSeconds - LEASED_RECHECK_MARGIN_SECONDS) * 1000;
  const recheckAt = runEnds > now.getTime() ? runEnds : leaseEnds;
  return Math.max(0, Math.ceil((recheckAt - now.getTime()) / 1000));
}

/**
 * Drives one delivery of a job message through the lifecycle: claim with a lease, run once,
 * record the outcome, all with writes conditional on the version read. A duplicate delivery,
 * a crashed worker's redelivery, a cancelled or finished job are all ordinary cases here.
 */
export async function handleJobMessage(
  deps: HandleJobMessageDeps,
  message: JobMessage,
  /** Aborts the processor shortly before the function's own timeout. */
  signal: AbortSignal = new AbortController().signal,
): Promise<MessageOutcome> {
  const claim = firstClaimOf(message, deps.clock(), deps.leaseSeconds);
  let claimed: Job | undefined;
  let current: Job | undefined;
  try {
    claimed = (await deps.repository.claimFirstAttempt(claim)).job;
  } catch (error) {
    if (!(error instanceof JobConflictError)) throw error;
    // Not a first attempt (a retry, a reclaim, a duplicate, a finished job): decided below on
    // the job as the failed claim returned it.
    current = error.current;
  }
  if (claimed) {
    deps.log.info('Job picked', { jobId: claimed.id, type: claimed.type, attempt: claimed.attempts });
    return run(deps, claimed, signal);
  }
  // Lost races are re-evaluated against the job as it now is; JobContentionError after too many
  // leaves the message for redelivery.
  return retryOnConflict(
    deps.repository,
    message.jobId,
    async (job) => {
      if (!job) {
        deps.log.warn('Message for unknown job acknowledged', { jobId: message.jobId, type: message.type });
        return { kind: 'acknowledge', reason: 'unknown job' };
      }
      if (isFromEarlierRound(job, message.round)) {
        // Left over from a run that a retry or redrive has since replaced: the current round has its own message.
        deps.log.info('Message from an earlier round acknowledged', {
          jobId: job.id,
          type: job.type,
          round: message.round,
          currentRound: roundOf(job),
        });
        return { kind: 'acknowledge', reason: 'message from an earlier round' };
      }
      return advance(deps, job, signal);
    },
    current ? { current } : {},
  );
}

async function advance(deps: HandleJobMessageDeps, job: Job, signal: AbortSignal): Promise<MessageOutcome> {
  const now = deps.clock();
  const context = { jobId: job.id, type: job.type, attempt: job.attempts };
  if (isTerminal(job.status)) {
    return { kind: 'acknowledge', reason: `job already ${job.status}` };
  }
  if (!deps.jobTypes.has(job.type)) {
    return { kind: 'acknowledge', reason: 'not a job type workers run (external)' };
  }
  if (job.status === 'delayed' && job.runAt && new Date(job.runAt) > now) {
    const delaySeconds = sqsDelaySeconds(job.runAt, now);
    await deps.queue.enqueue(messageFor(job), delaySeconds);
    deps.log.info('Job re-delayed', { ...context, runAt: job.runAt, delaySeconds });
    return { kind: 'acknowledge', reason: 're-delayed' };
  }
  if (job.status === 'retrying' && job.nextAttemptAt && new Date(job.nextAttemptAt) > now) {
    return { kind: 'retry-later', visibilitySeconds: secondsUntil(job.nextAttemptAt, now), reason: 'backing off' };
  }
  if (job.status === 'processing' && job.leaseUntil && new Date(job.leaseUntil) > now) {
    const runSeconds = deps.jobTypes.get(job.type).config.timeoutSeconds;
    return {
      kind: 'retry-later',
      visibilitySeconds: leasedRecheckSeconds(job.leaseUntil, deps.leaseSeconds, runSeconds, now),
      reason: 'leased by another worker',
    };
  }
  if (job.status === 'processing' && job.attempts >= job.maxAttempts) {
    // The last attempt's worker vanished (crash or timeout) and no attempt is left.
    await fail(deps, job, {
      kind: 'timeout',
      message: `Attempt ${job.attempts} did not finish before its lease expired`,
    });
    return { kind: 'acknowledge', reason: 'lease expired on the last attempt' };
  }

  const claimed = await deps.repository.save(
    job,
    transition(job, 'processing', now, {
      attempts: job.attempts + 1,
      leaseUntil: new Date(now.getTime() + deps.leaseSeconds * 1000).toISOString(),
    }),
  );
  const attempt = claimed.attempts;
  deps.log.info(job.status === 'processing' ? 'Job reclaimed after lease expiry' : 'Job picked', {
    ...context,
    attempt,
  });
  return run(deps, claimed, signal);
}

async function run(deps: HandleJobMessageDeps, claimed: Job, signal: AbortSignal): Promise<MessageOutcome> {
  const context = { jobId: claimed.id, type: claimed.type, attempt: claimed.attempts };
  const startedAt = Date.now();
  let result: Record<string, unknown>;
  try {
    result = await deps.jobTypes.get(claimed.type).run(claimed, { log: deps.log, signal, senders: deps.senders });
  } catch (error) {
    return recordFailure(deps, claimed, error);
  }
  try {
    await saveWhileBusy(deps.wait ?? sleep, () =>
      deps.repository.save(claimed, transition(claimed, 'completed', deps.clock(), { result })),
    );
  } catch (error) {
    if (!(error instanceof JobConflictError)) throw error;
    // Our lease expired and another worker reclaimed the job: its outcome is the one that counts.
    deps.log.warn('Job result discarded: lease lost', context);
    return { kind: 'acknowledge', reason: 'lease lost' };
  }
  const durationMs = Date.now() - startedAt;
  deps.metrics?.jobCompleted(claimed.type, durationMs);
  deps.log.info('Job completed', { ...context, durationMs });
  return { kind: 'acknowledge', reason: 'completed' };
}

/** Tries of a completion save while the table is throttling (DependencyUnavailableError). */
export const COMPLETION_SAVE_TRIES = 5;

/**
 * The processor's side effect (an email sent) has happened: a completion lost to a busy table
 * would have the job run, and deliver, again once its lease expires. So a throttled save is
 * retried a few times with backoff within the invocation (found by `npm run chaos`).
 */
async function saveWhileBusy(wait: (ms: number) => Promise<unknown>, save: () => Promise<Job>): Promise<Job> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await save();
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError) || attempt >= COMPLETION_SAVE_TRIES) throw error;
      await wait(Math.min(100 * 2 ** attempt, 2_000));
    }
  }
}

async function recordFailure(deps: HandleJobMessageDeps, claimed: Job, error: unknown): Promise<MessageOutcome> {
  const jobType = deps.jobTypes.get(claimed.type);
  // Providers' messages may quote the recipient or the content: stored and logged masked.
  const message = jobType.maskMessage(claimed, error instanceof Error ? error.message : String(error));
  const context = { jobId: claimed.id, type: claimed.type, attempt: claimed.attempts, error: message };
  try {
    if (error instanceof PermanentJobError) {
      await fail(deps, claimed, { kind: 'permanent', message });
      return { kind: 'acknowledge', reason: 'failed permanently' };
    }
    if (claimed.attempts >= claimed.maxAttempts) {
      await fail(deps, claimed, { kind: 'transient', message });
      return { kind: 'acknowledge', reason: 'attempts exhausted' };
    }
    const now = deps.clock();
    const backoff = jobType.config.backoff;
    const delayMs = backoffDelayMs(claimed.attempts, backoff, deps.random);
    const nextAttemptAt = new Date(now.getTime() + delayMs).toISOString();
    await deps.repository.save(
      claimed,
      transition(claimed, 'retrying', now, { nextAttemptAt, error: { kind: 'transient', message } }),
    );
    deps.log.info('Job retry scheduled', { ...context, nextAttemptAt, delayMs });
    return { kind: 'retry-later', visibilitySeconds: Math.ceil(delayMs / 1000), reason: 'retry scheduled' };
  } catch (saveError) {
    if (!(saveError instanceof JobConflictError)) throw saveError;
    deps.log.warn('Job failure discarded: lease lost', context);
    return { kind: 'acknowledge', reason: 'lease lost' };
  }
}

async function fail(deps: HandleJobMessageDeps, job: Job, error: JobError): Promise<void> {
  await deps.repository.save(job, transition(job, 'failed', deps.clock(), { error }));
  deps.metrics?.jobFailed(job.type);
  deps.log.warn('Job failed', { jobId: job.id, type: job.type, attempt: job.attempts, error: error.message });
}

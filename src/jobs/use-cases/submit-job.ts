import { isDeepStrictEqual } from 'node:util';
import { DependencyUnavailableError } from '../errors/dependency-unavailable-error';
import { JobAlreadyExistsError } from '../errors/job-already-exists-error';
import type { Job, JobType } from '../job';
import { idempotentJobId } from '../job-ids';
import { messageFor } from '../job-rounds';
import { transition } from '../job-state-machine';
import { parseSubmission } from '../job-submission';
import type { JobTypeRegistry } from '../job-type-registry';
import { newJob, sqsDelaySeconds } from '../new-job';
import type { JobLog } from '../ports/job-log';
import type { JobMetrics } from '../ports/job-metrics';
import type { JobQueue } from '../ports/job-queue';
import type { JobsRepository } from '../ports/jobs-repository';

export interface SubmitJobDeps {
  repository: JobsRepository;
  queue: JobQueue;
  jobTypes: JobTypeRegistry;
  log: JobLog;
  clock: () => Date;
  newId: () => string;
  metrics?: JobMetrics;
}

export interface SubmitOptions {
  /** The client's Idempotency-Key, if it sent one: the job's id is derived from it (idempotentJobId). */
  idempotencyKey?: string | undefined;
}

/** How long clients are told to wait after an enqueue failure. */
const ENQUEUE_RETRY_AFTER_SECONDS = 5;

/**
 * Validates and accepts a job: stored first (so a consumer never sees a message for a job that
 * does not exist), then sent to its type's queue. If the send fails the job is marked failed, so
 * it is never left `queued` with no message to drive it.
 */
export async function submitJob(
  deps: SubmitJobDeps,
  type: JobType,
  body: unknown,
  options: SubmitOptions = {},
): Promise<Job> {
  const now = deps.clock();
  const jobType = deps.jobTypes.get(type);
  const submission = parseSubmission(jobType.definition.payload, body, now);
  let job = newJob({
    id: options.idempotencyKey ? idempotentJobId(options.idempotencyKey) : deps.newId(),
    type,
    payload: submission.payload,
    maxAttempts: jobType.config.maxAttempts,
    now,
    ...(submission.runAt ? { runAt: submission.runAt } : {}),
  });
  try {
    await deps.repository.create(job);
  } catch (error) {
    if (!(error instanceof JobAlreadyExistsError) || !options.idempotencyKey) throw error;
    const earlier = await resumeSubmission(deps, job);
    if (earlier) return earlier;
    // The earlier run's job never got its message (marked failed): this run makes a new one, as before keys named jobs.
    job = { ...job, id: deps.newId() };
    await deps.repository.create(job);
  }
  try {
    await deps.queue.enqueue(messageFor(job), sqsDelaySeconds(job.runAt, now));
  } catch (error) {
    await markEnqueueFailed(deps, job, error);
    throw error instanceof DependencyUnavailableError
      ? error
      : new DependencyUnavailableError('SQS', ENQUEUE_RETRY_AFTER_SECONDS, { cause: error });
  }
  deps.metrics?.jobSubmitted(type);
  deps.log.info('Job added', { jobId: job.id, type, status: job.status, runAt: job.runAt, attempt: 0 });
  return job;
}

/**
 * An earlier run of this submission (same Idempotency-Key) created the job and its answer was lost.
 * The same request gets that job back; its message is sent again while it waits, since that run may
 * have died before its send (a second message is harmless: claims are conditional). Undefined when
 * that run's send failed (the job was marked failed, the client was told to retry). Another request
 * under the key is refused as a conflict.
 */
async function resumeSubmission(deps: SubmitJobDeps, job: Job): Promise<Job | undefined> {
  const existing = await deps.repository.get(job.id);
  if (!existing || existing.type !== job.type || !isDeepStrictEqual(existing.payload, job.payload)) {
    throw new JobAlreadyExistsError(job.id);
  }
  if (existing.status === 'failed' && existing.error?.kind === 'enqueue') return undefined;
  if (existing.status === 'queued' || existing.status === 'delayed') {
    await deps.queue.enqueue(messageFor(existing), sqsDelaySeconds(existing.runAt, deps.clock()));
  }
  deps.log.info('Job submission resumed', { jobId: existing.id, type: existing.type, status: existing.status });
  return existing;
}

async function markEnqueueFailed(deps: SubmitJobDeps, job: Job, cause: unknown): Promise<void> {
  const reason = cause instanceof Error ? cause.message : String(cause);
  try {
    await deps.repository.save(
      job,
      transition(job, 'failed', deps.clock(), {
        error: { kind: 'enqueue', message: `Could not be enqueued: ${reason}` },
      }),
    );
    deps.log.warn('Job failed: enqueue failed', { jobId: job.id, type: job.type, attempt: 0, reason });
  } catch (saveError) {
    // Both stores are failing at once: the row stays queued with no message, so say so loudly.
    deps.log.error('Job left queued without a message', {
      jobId: job.id,
      type: job.type,
      reason,
      saveError: String(saveError),
    });
  }
}

import { DependencyUnavailableError } from '../errors/dependency-unavailable-error';
import type { Job, JobType } from '../job';
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

/** How long clients are told to wait after an enqueue failure. */
const ENQUEUE_RETRY_AFTER_SECONDS = 5;

/**
 * Validates and accepts a job: stored first (so a consumer never sees a message for a job that
 * does not exist), then sent to its type's queue. If the send fails the job is marked failed, so
 * it is never left `queued` with no message to drive it.
 */
export async function submitJob(deps: SubmitJobDeps, type: JobType, body: unknown): Promise<Job> {
  const now = deps.clock();
  const jobType = deps.jobTypes.get(type);
  const submission = parseSubmission(jobType.definition.payload, body, now);
  const job = newJob({
    id: deps.newId(),
    type,
    payload: submission.payload,
    maxAttempts: jobType.config.maxAttempts,
    now,
    ...(submission.runAt ? { runAt: submission.runAt } : {}),
  });
  await deps.repository.create(job);
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

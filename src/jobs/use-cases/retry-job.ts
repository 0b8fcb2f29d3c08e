import { DependencyUnavailableError } from '../errors/dependency-unavailable-error';
import { IllegalTransitionError } from '../errors/illegal-transition-error';
import { JobNotFoundError } from '../errors/job-not-found-error';
import type { Job } from '../job';
import type { JobTypeRegistry } from '../job-type-registry';
import { messageFor, startNextRound } from '../job-rounds';
import { transition } from '../job-state-machine';
import type { JobLog } from '../ports/job-log';
import type { JobQueue } from '../ports/job-queue';
import type { JobsRepository } from '../ports/jobs-repository';
import { retryOnConflict } from '../retry-on-conflict';

export interface RetryJobDeps {
  repository: JobsRepository;
  queue: JobQueue;
  jobTypes: JobTypeRegistry;
  log: JobLog;
  clock: () => Date;
}

/**
 * Sends a `failed` job (dead-lettered or not) round again: its next round (job-rounds.ts), back to
 * `queued` with fresh attempts (and the type's current maxAttempts), its error cleared,
 * conditionally on the version read, then enqueued with the new round, so that the old run's
 * dead letter and stray messages can no longer touch it. Any other status is a 409: a job that completed, was cancelled or still runs is not
 * retried. Racing another retry, exactly one wins; the other sees `queued` and gets its 409.
 */
export async function retryJob(deps: RetryJobDeps, id: string): Promise<Job> {
  const queued = await retryOnConflict(deps.repository, id, async (job) => {
    if (!job) throw new JobNotFoundError(id);
    const jobType = deps.jobTypes.find(job.type);
    // Only worker-run types are retried; an external job's failure is its system's to report.
    if (job.status !== 'failed' || !jobType) throw new IllegalTransitionError(job.status, 'queued');
    return deps.repository.save(job, startNextRound(job, deps.clock(), jobType.config.maxAttempts));
  });
  deps.log.info('Job retried', { jobId: id, type: queued.type, round: queued.round, attempt: 0 });
  await enqueue(deps, queued);
  return queued;
}

/** As on submission: a job that could not be enqueued is failed again, never left queued with no message. */
async function enqueue(deps: RetryJobDeps, job: Job): Promise<void> {
  try {
    await deps.queue.enqueue(messageFor(job), 0);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    await deps.repository
      .save(
        job,
        transition(job, 'failed', deps.clock(), {
          error: { kind: 'enqueue', message: `Could not be enqueued: ${reason}` },
        }),
      )
      .catch((saveError: unknown) =>
        deps.log.error('Job left queued without a message', {
          jobId: job.id,
          type: job.type,
          reason,
          saveError: String(saveError),
        }),
      );
    throw cause instanceof DependencyUnavailableError ? cause : new DependencyUnavailableError('SQS', 5, { cause });
  }
}

import { IllegalTransitionError } from '../errors/illegal-transition-error';
import { JobNotFoundError } from '../errors/job-not-found-error';
import type { Job } from '../job';
import { canTransition, kindOf, transition } from '../job-state-machine';
import type { JobLog } from '../ports/job-log';
import type { JobsRepository } from '../ports/jobs-repository';
import { retryOnConflict } from '../retry-on-conflict';

export interface CancelJobDeps {
  repository: JobsRepository;
  log: JobLog;
  clock: () => Date;
}

/**
 * Cancels a job that has not started (queued, delayed or waiting to retry). Racing a worker's
 * claim, exactly one wins: the loser sees the winner's write. A worker that later receives the
 * cancelled job's message acknowledges it without running it.
 */
export async function cancelJob(deps: CancelJobDeps, id: string): Promise<Job> {
  return retryOnConflict(deps.repository, id, async (job) => {
    if (!job) throw new JobNotFoundError(id);
    if (!canTransition(job.status, 'cancelled', kindOf(job))) throw new IllegalTransitionError(job.status, 'cancelled');
    const cancelled = await deps.repository.save(job, transition(job, 'cancelled', deps.clock()));
    deps.log.info('Job cancelled', { jobId: id, type: job.type, attempt: job.attempts });
    return cancelled;
  });
}

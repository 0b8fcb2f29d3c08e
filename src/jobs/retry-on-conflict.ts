import { JobConflictError } from './errors/job-conflict-error';
import { JobContentionError } from './errors/job-contention-error';
import type { Job } from './job';
import type { JobsRepository } from './ports/jobs-repository';

/** Lost races are re-evaluated against the job as it now is; more than this many in a row is pathological. */
export const DEFAULT_CONFLICT_ROUNDS = 5;

export interface RetryOnConflictOptions {
  /** How many times `step` may run before giving up. Default {@link DEFAULT_CONFLICT_ROUNDS}. */
  readonly rounds?: number;
  /** The job as just read (a failed conditional write returned it): the first round uses it instead of a read. */
  readonly current?: Job;
}

/**
 * The one read-modify-write loop. Reads the job, hands it to `step` (which decides, and writes
 * conditionally on the version it was given); when that write loses a race (JobConflictError),
 * runs `step` again on the job as it now is. After `rounds` lost races in a row it throws
 * JobContentionError rather than carrying on as if it had written. `step` sees `undefined` when
 * the job does not exist (or vanished meanwhile) and decides what that means.
 */
export async function retryOnConflict<T>(
  repository: Pick<JobsRepository, 'get'>,
  jobId: string,
  step: (job: Job | undefined) => Promise<T>,
  options: RetryOnConflictOptions = {},
): Promise<T> {
  const rounds = options.rounds ?? DEFAULT_CONFLICT_ROUNDS;
  let job = options.current ?? (await repository.get(jobId));
  for (let round = 0; round < rounds; round++) {
    try {
      return await step(job);
    } catch (error) {
      if (!(error instanceof JobConflictError)) throw error;
      job = error.current ?? (await repository.get(jobId));
    }
  }
  throw new JobContentionError(jobId, rounds);
}

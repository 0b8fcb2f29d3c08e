import { JobsApiError } from './jobs-api-error';
import type { Problem } from './problem';

/**
 * The job being waited for does not exist (any more): an unknown id, or a job removed while
 * waiting. Waiting on would never end, so `waitFor` rejects with this instead.
 */
export class JobVanishedError extends JobsApiError {
  override readonly name = 'JobVanishedError';
  readonly jobId: string;

  constructor(jobId: string, problem: Problem) {
    super(problem);
    this.jobId = jobId;
    this.message = `Job ${jobId} does not exist (any more): ${problem.detail || problem.title}`;
  }
}

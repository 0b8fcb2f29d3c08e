import type { Job } from '../job';

/** Where jobs live. Implementations map lost conditional writes to JobConflictError and overload to DependencyUnavailableError. */
export interface JobsRepository {
  /** Stores a new job; JobAlreadyExistsError when the id is taken. */
  create(job: Job): Promise<void>;
  /** A strongly consistent read. */
  get(id: string): Promise<Job | undefined>;
  /** Writes `next` only if the stored job still has `previous`'s version and status. */
  save(previous: Job, next: Job): Promise<Job>;
}

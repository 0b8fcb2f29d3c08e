import type { FirstClaim } from '../first-claim';
import type { Job } from '../job';

/** A save as the table saw it. */
export interface SavedJob {
  readonly job: Job;
  /** Whether the job carried a follow mark (see JobsRepository.follow) still in force when written. */
  readonly followed: boolean;
}

/** Where jobs live. Implementations map lost conditional writes to JobConflictError and overload to DependencyUnavailableError. */
export interface JobsRepository {
  /** Stores a new job; JobAlreadyExistsError when the id is taken. */
  create(job: Job): Promise<void>;
  /** A strongly consistent read. */
  get(id: string): Promise<Job | undefined>;
  /** Writes `next` only if the stored job still has `previous`'s version and status. */
  save(previous: Job, next: Job): Promise<Job>;
  /** save, telling also whether the job is followed, from the same write (no extra call). */
  saveObserved(previous: Job, next: Job): Promise<SavedJob>;
  /**
   * Claims a job's first attempt without reading it (see FirstClaim): writes applyFirstClaim's job
   * if the stored one admitsFirstClaim, else throws JobConflictError with the job as stored
   * (undefined when there is none).
   */
  claimFirstAttempt(claim: FirstClaim): Promise<SavedJob>;
  /**
   * Marks the job as followed by id (a long poll, an event stream, a WebSocket subscription) until
   * `untilEpochSeconds`, without changing the job: no new version, and no save undoes the mark.
   * The stream notifier looks a change's waiters up only while its job is marked, so a job nobody
   * follows costs no lookups. Never shortens a mark; does nothing for an unknown id.
   */
  follow(id: string, untilEpochSeconds: number): Promise<void>;
}

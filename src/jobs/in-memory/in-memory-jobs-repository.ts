import { JobAlreadyExistsError } from '../errors/job-already-exists-error';
import { JobConflictError } from '../errors/job-conflict-error';
import { admitsFirstClaim, applyFirstClaim, type FirstClaim } from '../first-claim';
import { followMarkHolds } from '../follow-mark';
import type { Job } from '../job';
import type { JobsRepository, SavedJob } from '../ports/jobs-repository';

/** Attributes a job never changes after creation: a save keeps the stored ones, like the DynamoDB adapter. */
const IMMUTABLE = ['id', 'type', 'payload', 'createdAt'] as const;

/**
 * Jobs in a Map, with the DynamoDB adapter's semantics: a save is conditional on the stored
 * version and status, undefined fields are removed, and every read hands out a copy, so no caller
 * can change a stored job without a save.
 */
export class InMemoryJobsRepository implements JobsRepository {
  private readonly jobs = new Map<string, Job>();
  private readonly follows = new Map<string, number>();

  async create(job: Job): Promise<void> {
    if (this.jobs.has(job.id)) throw new JobAlreadyExistsError(job.id);
    this.jobs.set(job.id, withoutUndefined(job));
  }

  async get(id: string): Promise<Job | undefined> {
    const job = this.jobs.get(id);
    return job && structuredClone(job);
  }

  async save(previous: Job, next: Job): Promise<Job> {
    return (await this.saveObserved(previous, next)).job;
  }

  async saveObserved(previous: Job, next: Job): Promise<SavedJob> {
    const stored = this.jobs.get(previous.id);
    if (!stored || stored.version !== previous.version || stored.status !== previous.status) {
      throw new JobConflictError(previous.id, stored && structuredClone(stored));
    }
    const updated = withoutUndefined(next);
    for (const key of IMMUTABLE) (updated as unknown as Record<string, unknown>)[key] = structuredClone(stored[key]);
    this.jobs.set(previous.id, updated);
    return { job: next, followed: followMarkHolds(this.follows.get(previous.id)) };
  }

  async claimFirstAttempt(claim: FirstClaim): Promise<SavedJob> {
    const stored = this.jobs.get(claim.jobId);
    if (!stored || !admitsFirstClaim(stored, claim)) {
      throw new JobConflictError(claim.jobId, stored && structuredClone(stored));
    }
    const claimed = applyFirstClaim(structuredClone(stored), claim);
    return { ...(await this.saveObserved(stored, claimed)), job: structuredClone(claimed) };
  }

  async follow(id: string, untilEpochSeconds: number): Promise<void> {
    if (!this.jobs.has(id)) return;
    this.follows.set(id, Math.max(this.follows.get(id) ?? 0, untilEpochSeconds));
  }

  /** The job's follow mark (epoch seconds), as the stream image would carry it. */
  followedUntil(id: string): number | undefined {
    return this.follows.get(id);
  }

  /** Every stored job (copies), for the in-memory listing. */
  all(): Job[] {
    return [...this.jobs.values()].map((job) => structuredClone(job));
  }
}

/** A deep copy without undefined attributes: DynamoDB stores no such thing. */
function withoutUndefined(job: Job): Job {
  return JSON.parse(JSON.stringify(job)) as Job;
}

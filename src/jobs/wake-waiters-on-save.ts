import type { Job } from './job';
import type { JobsRepository, SavedJob } from './ports/jobs-repository';
import { notifyWaiters, type JobChange, type NotifyWaitersDeps } from './use-cases/notify-waiters';

/** The change a waiter is told about when `job` was just written. */
export const jobChangeOfSaved = (job: Job): JobChange => ({
  jobId: job.id,
  type: job.type,
  version: job.version,
  status: job.status,
  updatedAt: job.updatedAt,
});

/**
 * The repository, with every successful save of a followed job also waking the job's long polls at
 * once: through the table's stream alone a wake-up waits for the next poll of the shard (four a
 * second on AWS and in the local stack). The save's own answer says whether the job is followed
 * (every waiter marks its job before reading it), so a job nobody waits on costs no lookup. The
 * stream stays the guarantee: it notifies every change again, whatever this could not send, and a
 * waiter takes the first notice of a version it has not seen and ignores the rest. So a failure
 * here only costs latency, and never fails the write that already happened.
 */
export function wakingWaitersOnSave(
  repository: JobsRepository,
  deps: NotifyWaitersDeps,
  onWakeFailed: (error: unknown, change: JobChange) => void,
): JobsRepository {
  const waking = async (saved: SavedJob) => {
    if (saved.followed) {
      const change = jobChangeOfSaved(saved.job);
      await notifyWaiters(deps, change).catch((error: unknown) => onWakeFailed(error, change));
    }
    return saved;
  };
  const saveObserved = async (previous: Job, next: Job) => waking(await repository.saveObserved(previous, next));
  return {
    create: (job) => repository.create(job),
    get: (id) => repository.get(id),
    follow: (id, untilEpochSeconds) => repository.follow(id, untilEpochSeconds),
    saveObserved,
    claimFirstAttempt: async (claim) => waking(await repository.claimFirstAttempt(claim)),
    save: async (previous, next) => (await saveObserved(previous, next)).job,
  };
}

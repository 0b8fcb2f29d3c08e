import { JobContentionError } from '../errors/job-contention-error';
import { recordRescue, rescueMarginSeconds, stallReason } from '../job-due';
import { messageFor } from '../job-rounds';
import type { JobMessage } from '../ports/job-queue';
import type { JobTypeConfigs } from '../job-type-config';
import { sqsDelaySeconds } from '../new-job';
import type { DueJobs } from '../ports/due-jobs';
import type { JobLog } from '../ports/job-log';
import type { JobMetrics } from '../ports/job-metrics';
import type { JobQueue } from '../ports/job-queue';
import type { JobsRepository } from '../ports/jobs-repository';
import { retryOnConflict } from '../retry-on-conflict';

export interface ReconcileJobsDeps {
  repository: JobsRepository;
  dueJobs: DueJobs;
  queue: JobQueue;
  configs: JobTypeConfigs;
  log: JobLog;
  metrics?: JobMetrics;
  clock: () => Date;
}

export interface ReconcileResult {
  /** Index entries looked at. */
  examined: number;
  /** Jobs whose message was re-sent. */
  rescued: number;
}

/** Most jobs one run looks at; a larger backlog of stalled jobs is worked off by the next runs. */
export const MAX_JOBS_PER_RECONCILE = 500;

/**
 * Finds non-final jobs that stopped moving (their message was lost: a crash between the write
 * and the send, a message deleted by hand, a poller bug) and sends their message again. Each
 * rescue is first recorded on the job, conditionally on the version read, so two overlapping
 * runs never both send, and a job that moved meanwhile is left alone. A duplicate message is
 * harmless anyway: the consumer's claim is conditional too.
 */
export async function reconcileJobs(deps: ReconcileJobsDeps): Promise<ReconcileResult> {
  const now = deps.clock();
  // Worker-run types are the ones the deployment configures; external jobs have no message to lose.
  const configs = Object.values(deps.configs);
  const smallestMargin = Math.min(...configs.map((config) => rescueMarginSeconds(config)));
  const candidates = await deps.dueJobs.dueBefore(
    new Date(now.getTime() - smallestMargin * 1000),
    MAX_JOBS_PER_RECONCILE,
  );
  let rescued = 0;
  for (const candidate of candidates) {
    if (!Object.hasOwn(deps.configs, candidate.type)) continue;
    if (await rescueIfStalled(deps, candidate.id, now)) rescued++;
  }
  const result = { examined: candidates.length, rescued };
  if (rescued > 0) deps.log.warn('Stalled jobs rescued', { ...result });
  return result;
}

async function rescueIfStalled(deps: ReconcileJobsDeps, jobId: string, now: Date): Promise<boolean> {
  let rescue: { message: JobMessage; reason: string; runAt?: string; attempt: number } | undefined;
  try {
    rescue = await retryOnConflict(deps.repository, jobId, async (job) => {
      const config = job ? deps.configs[job.type] : undefined;
      if (!job || !config) return undefined;
      const reason = stallReason(job, config, now);
      if (reason === undefined) return undefined;
      await deps.repository.save(job, recordRescue(job, now, reason));
      return { message: messageFor(job), reason, runAt: job.runAt, attempt: job.attempts };
    });
  } catch (error) {
    if (!(error instanceof JobContentionError)) throw error;
    return false; // It is changing, so it is moving.
  }
  if (!rescue) return false;
  await deps.queue.enqueue(rescue.message, sqsDelaySeconds(rescue.runAt, now));
  deps.metrics?.jobRescued(rescue.message.type);
  deps.log.warn('Job rescued: message re-sent', {
    jobId,
    type: rescue.message.type,
    round: rescue.message.round,
    attempt: rescue.attempt,
    reason: rescue.reason,
  });
  return true;
}

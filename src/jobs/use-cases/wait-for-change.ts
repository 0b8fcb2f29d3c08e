import { JobNotFoundError } from '../errors/job-not-found-error';
import { isTerminal, JOB_STATUSES, type Job, type JobStatus } from '../job';
import { type SubscribeDeps, subscribeToJob } from './subscribe-to-job';

export interface WaitForChangeDeps extends SubscribeDeps {
  clock: () => Date;
}

export interface WaitRequest {
  jobId: string;
  /** The version the client has; without it, wait for the next change after the request arrived. */
  since?: number;
  timeoutMs: number;
  /** Ends the wait early (the client went away). */
  signal?: AbortSignal;
  /** Test seam: runs between registration and the re-read, where a lost wake-up would hide. */
  afterRegister?: () => Promise<void>;
}

export interface StatusView {
  id: string;
  status: JobStatus | string;
  version: number;
  updatedAt: string;
}

export interface WaitResult {
  job: StatusView;
  changed: boolean;
  /** The job's status is one it never leaves on its own: waiting longer would show nothing new. */
  final: boolean;
  /** What ended the wait: the first read, a notice in the inbox, or the deadline (or an abort). */
  answeredBy: 'read' | 'notice' | 'timeout';
}

/** Whether a status (a notice may carry one this code does not know) is final. */
export function isFinalStatus(status: StatusView['status']): boolean {
  return (JOB_STATUSES as readonly string[]).includes(status) && isTerminal(status as JobStatus);
}

export const statusView = (job: Pick<Job, 'id' | 'status' | 'version' | 'updatedAt'>): StatusView => ({
  id: job.id,
  status: job.status,
  version: job.version,
  updatedAt: job.updatedAt,
});

/**
 * Holds until the job's version differs from `since` or the timeout, subscribed first and checked
 * once (subscribeToJob), so no change between the client's read and the wait is lost.
 * A job already in a final status (completed, failed, cancelled, done) is answered at once: only an
 * operator's retry moves it again, and that answers its caller with the new version to wait from.
 */
export async function waitForChange(deps: WaitForChangeDeps, request: WaitRequest): Promise<WaitResult> {
  const deadline = deps.clock().getTime() + request.timeoutMs;
  const subscription = await subscribeToJob(deps, {
    jobId: request.jobId,
    deadline,
    ...(request.afterRegister ? { afterRegister: request.afterRegister } : {}),
  });
  try {
    const job = subscription.job;
    const baseline = request.since ?? job.version;
    const final = isTerminal(job.status);
    if (job.version !== baseline) return { job: statusView(job), changed: true, final, answeredBy: 'read' };
    if (final) return { job: statusView(job), changed: false, final, answeredBy: 'read' };

    for (;;) {
      const remainingMs = deadline - deps.clock().getTime();
      if (remainingMs <= 0 || request.signal?.aborted)
        return { job: statusView(job), changed: false, final: false, answeredBy: 'timeout' };
      const notices = await subscription.receive(remainingMs, request.signal);
      const notice = notices.find((n) => n.version !== baseline);
      if (notice?.removed) throw new JobNotFoundError(request.jobId);
      if (notice) {
        return {
          job: { id: job.id, status: notice.status, version: notice.version, updatedAt: notice.updatedAt },
          changed: true,
          final: isFinalStatus(notice.status),
          answeredBy: 'notice',
        };
      }
    }
  } finally {
    await subscription.close();
  }
}

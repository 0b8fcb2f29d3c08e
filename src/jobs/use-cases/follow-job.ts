import { JobNotFoundError } from '../errors/job-not-found-error';
import { subscribeToJob } from './subscribe-to-job';
import { isFinalStatus, statusView, type StatusView, type WaitForChangeDeps } from './wait-for-change';

export interface FollowRequest {
  jobId: string;
  /** The client's Last-Event-ID: only snapshots with a greater version are sent. */
  after?: number;
  /** Epoch ms at which the follow ends on its own (the function's deadline, less a margin). */
  deadline: number;
  /** Ends the follow early (the client went away). */
  signal?: AbortSignal;
}

/** What a follow yields: a snapshot newer than every one before, or word that nothing changed for a while. */
export type FollowEvent = { type: 'snapshot'; job: StatusView; final: boolean } | { type: 'quiet' };

export interface JobFollow {
  /** The job as the first read (after registering) saw it. */
  readonly current: StatusView;
  /**
   * The current snapshot first, if its version is past `after`, then each change the notifier
   * reports, in strictly increasing version order; `quiet` after every `quietMs` without one. Ends
   * after a final snapshot, at the deadline, on abort, or when the job is removed.
   */
  events(quietMs: number): AsyncGenerator<FollowEvent, void, undefined>;
  /** Deregisters and returns the inbox; idempotent. Call it whether or not events() was iterated. */
  close(): Promise<void>;
}

/**
 * Follows one job for a stream of server-sent events, subscribed first and checked once
 * (subscribeToJob) as the long poll is, so no change is lost. The registration is held for the
 * whole follow (one DynamoDB write, two reads and one delete per stream, not per change); changes
 * arrive as the notifier's notices, so the table is never polled. Throws JobNotFoundError for an
 * unknown job (read once before registering), before anything is streamed.
 */
export async function followJob(deps: WaitForChangeDeps, request: FollowRequest): Promise<JobFollow> {
  // An unknown id costs one read, not an inbox and a registration.
  if (!(await deps.repository.get(request.jobId))) throw new JobNotFoundError(request.jobId);
  const subscription = await subscribeToJob(deps, { jobId: request.jobId, deadline: request.deadline });
  const current = statusView(subscription.job);
  let closed = false;
  const close = async () => {
    closed = true;
    await subscription.close();
  };

  async function* events(quietMs: number): AsyncGenerator<FollowEvent, void, undefined> {
    let sent = request.after ?? Number.NEGATIVE_INFINITY;
    if (current.version > sent) {
      sent = current.version;
      const final = isFinalStatus(current.status);
      yield { type: 'snapshot', job: current, final };
      if (final) return;
    } else if (isFinalStatus(current.status)) return;
    for (;;) {
      const remainingMs = request.deadline - deps.clock().getTime();
      if (remainingMs <= 0 || request.signal?.aborted || closed) return;
      const notices = await subscription.receive(Math.min(quietMs, remainingMs), request.signal);
      // SQS may repeat a notice, and a batch need not be in version order.
      const fresh = notices.filter((notice) => notice.version > sent).sort((a, b) => a.version - b.version);
      if (fresh.some((notice) => notice.removed)) return;
      if (fresh.length === 0) {
        if (!request.signal?.aborted && deps.clock().getTime() < request.deadline) yield { type: 'quiet' };
        continue;
      }
      for (const notice of fresh) {
        if (notice.version <= sent) continue; // a repeat within the batch
        sent = notice.version;
        const job = { id: request.jobId, status: notice.status, version: notice.version, updatedAt: notice.updatedAt };
        const final = isFinalStatus(notice.status);
        yield { type: 'snapshot', job, final };
        if (final) return;
      }
    }
  }

  return { current, events, close };
}

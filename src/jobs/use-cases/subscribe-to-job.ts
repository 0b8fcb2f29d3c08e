import { JobNotFoundError } from '../errors/job-not-found-error';
import type { Job } from '../job';
import type { JobsRepository } from '../ports/jobs-repository';
import type { ChangeNotice, InboxPool } from '../ports/waiter-inbox';
import type { WaiterRegistry } from '../ports/waiter-registry';

export interface SubscribeDeps {
  repository: JobsRepository;
  registry: WaiterRegistry;
  inboxes: InboxPool;
  newId: () => string;
}

export interface SubscribeRequest {
  jobId: string;
  /** Epoch ms the subscription lasts until; its registration outlives it a little. */
  deadline: number;
  /** Test seam: runs between registration and the read, where a lost wake-up would hide. */
  afterRegister?: () => Promise<void>;
}

/** A waiter registered on one job, with the job as read after registering. */
export interface JobSubscription {
  readonly job: Job;
  /** Waits up to `maxWaitMs` for notices addressed to this subscription. */
  receive(maxWaitMs: number, signal?: AbortSignal): Promise<ChangeNotice[]>;
  /** Deregisters and returns the inbox; idempotent, and never throws. */
  close(): Promise<void>;
}

/** Registrations outlive their subscription by this much, so TTL never removes a live one. */
const REGISTRATION_GRACE_SECONDS = 60;

/**
 * Subscribe first, then check once: the waiter is registered with its inbox, and the job marked
 * followed, before the job is read, so a change landing in between is either in the read or
 * notified to the inbox, never lost; no read is repeated afterwards. (The notifier looks waiters
 * up only for changes whose job carries the mark: one written before the mark is in the read.)
 * Throws JobNotFoundError (after cleaning up) when the job does not exist.
 */
export async function subscribeToJob(deps: SubscribeDeps, request: SubscribeRequest): Promise<JobSubscription> {
  const inbox = await deps.inboxes.acquire();
  const waiter = {
    jobId: request.jobId,
    waiterId: deps.newId(),
    inboxUrl: inbox.url,
    expiresAt: Math.ceil(request.deadline / 1000) + REGISTRATION_GRACE_SECONDS,
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    deps.inboxes.release(inbox);
    // A registration that cannot be removed now expires by TTL; it must not fail the caller.
    await deps.registry.deregister(waiter).catch(() => undefined);
  };
  try {
    await deps.registry.register(waiter);
    await deps.repository.follow(request.jobId, waiter.expiresAt);
    await request.afterRegister?.();
    const job = await deps.repository.get(request.jobId);
    if (!job) throw new JobNotFoundError(request.jobId);
    return {
      job,
      // An inbox is reused across subscriptions of one environment: notices for an earlier one are stale.
      receive: async (maxWaitMs, signal) =>
        (await inbox.receive(maxWaitMs, signal)).filter((notice) => notice.waiterId === waiter.waiterId),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

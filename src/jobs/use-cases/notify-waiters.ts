import type { ChangeNotice, NoticeSender } from '../ports/waiter-inbox';
import type { WaiterRegistry } from '../ports/waiter-registry';

export interface JobChange {
  jobId: string;
  /** The job's type, when the stream image carries it (filter subscriptions match on it). */
  type?: string;
  version: number;
  status: string;
  updatedAt: string;
  removed?: boolean;
}

export interface NotifyWaitersDeps {
  registry: WaiterRegistry;
  sender: NoticeSender;
}

/** Wakes every waiter of a changed job: one notice per waiter, batched per inbox. Returns how many were woken. */
export async function notifyWaiters(deps: NotifyWaitersDeps, change: JobChange): Promise<number> {
  const waiters = await deps.registry.waitersOf(change.jobId);
  const byInbox = new Map<string, ChangeNotice[]>();
  for (const waiter of waiters) {
    const notices = byInbox.get(waiter.inboxUrl) ?? [];
    notices.push({ ...change, waiterId: waiter.waiterId });
    byInbox.set(waiter.inboxUrl, notices);
  }
  await Promise.all([...byInbox].map(([inboxUrl, notices]) => deps.sender.send(inboxUrl, notices)));
  return waiters.length;
}

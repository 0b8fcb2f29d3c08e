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
  /**
   * Whether the job was marked followed by id (a long poll, event stream or WebSocket subscription)
   * when it changed; false skips the waiter and subscriber lookups. Undefined when unknown: looked up.
   */
  followed?: boolean;
}

export interface NotifyWaitersDeps {
  registry: WaiterRegistry;
  sender: NoticeSender;
}

/** Wakes every waiter of a changed job: one notice per waiter, batched per inbox. Returns how many were woken. */
export async function notifyWaiters(deps: NotifyWaitersDeps, change: JobChange): Promise<number> {
  // Every waiter marks its job before it reads it: an unmarked change has none to wake.
  if (change.followed === false) return 0;
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

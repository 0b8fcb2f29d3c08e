import { randomUUID } from 'node:crypto';
import type { ChangeNotice, InboxPool, NoticeSender, WaiterInbox } from '../ports/waiter-inbox';

class InMemoryWaiterInbox implements WaiterInbox {
  readonly notices: ChangeNotice[] = [];
  private wake?: () => void;

  constructor(readonly url: string) {}

  deliver(notices: ChangeNotice[]): void {
    this.notices.push(...notices.map((notice) => ({ ...notice })));
    this.wake?.();
  }

  async receive(maxWaitMs: number, signal?: AbortSignal): Promise<ChangeNotice[]> {
    if (this.notices.length === 0 && maxWaitMs > 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, maxWaitMs);
        signal?.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
    }
    if (signal?.aborted) return [];
    // At most ten at a time, like an SQS receive.
    return this.notices.splice(0, 10);
  }
}

/**
 * Inboxes of one process and the sender that reaches them: the pair the notifier and the waiters
 * share. A notice for an inbox that no longer exists is dropped, as the SQS sender drops it.
 */
export class InMemoryWaiterInboxes implements InboxPool, NoticeSender {
  private readonly inboxes = new Map<string, InMemoryWaiterInbox>();
  private readonly idle: InMemoryWaiterInbox[] = [];

  async acquire(): Promise<WaiterInbox> {
    const reused = this.idle.pop();
    if (reused && this.inboxes.has(reused.url)) return reused;
    const inbox = new InMemoryWaiterInbox(`memory://inbox/${randomUUID()}`);
    this.inboxes.set(inbox.url, inbox);
    return inbox;
  }

  release(inbox: WaiterInbox): void {
    this.idle.push(inbox as InMemoryWaiterInbox);
  }

  async send(inboxUrl: string, notices: ChangeNotice[]): Promise<void> {
    this.inboxes.get(inboxUrl)?.deliver(notices);
  }

  /** What the janitor does to an inbox whose environment went away. */
  remove(inboxUrl: string): void {
    this.inboxes.delete(inboxUrl);
  }
}

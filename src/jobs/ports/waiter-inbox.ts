/** What the notifier tells a waiter: the job's state after a change. */
export interface ChangeNotice {
  waiterId: string;
  jobId: string;
  version: number;
  status: string;
  updatedAt: string;
  /** The job itself is gone (deleted or expired). */
  removed?: boolean;
}

/** Where one waiter at a time receives its notices. */
export interface WaiterInbox {
  readonly url: string;
  /** Waits up to `maxWaitMs` for notices; returns early when `signal` aborts. */
  receive(maxWaitMs: number, signal?: AbortSignal): Promise<ChangeNotice[]>;
}

/** Inboxes owned by this execution environment, reused across requests. */
export interface InboxPool {
  acquire(): Promise<WaiterInbox>;
  release(inbox: WaiterInbox): void;
}

/** Delivers notices to waiters' inboxes. */
export interface NoticeSender {
  send(inboxUrl: string, notices: ChangeNotice[]): Promise<void>;
}

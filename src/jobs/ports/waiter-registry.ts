/** A long poll waiting on one job, reachable through its inbox. */
export interface Waiter {
  jobId: string;
  waiterId: string;
  inboxUrl: string;
  /** Epoch seconds after which the registration is garbage (TTL), should deregistration never happen. */
  expiresAt: number;
}

/** Who is waiting on which job: written by waiters, read by the notifier. */
export interface WaiterRegistry {
  register(waiter: Waiter): Promise<void>;
  deregister(waiter: Waiter): Promise<void>;
  waitersOf(jobId: string): Promise<Waiter[]>;
}

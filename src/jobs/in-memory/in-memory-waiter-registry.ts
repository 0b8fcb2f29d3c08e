import type { Waiter, WaiterRegistry } from '../ports/waiter-registry';

/** Registrations keyed by job and waiter id; expired ones are never listed, as with DynamoDB's lazy TTL. */
export class InMemoryWaiterRegistry implements WaiterRegistry {
  private readonly byJob = new Map<string, Map<string, Waiter>>();

  constructor(private readonly now: () => number = Date.now) {}

  async register(waiter: Waiter): Promise<void> {
    const waiters = this.byJob.get(waiter.jobId) ?? new Map<string, Waiter>();
    waiters.set(waiter.waiterId, { ...waiter });
    this.byJob.set(waiter.jobId, waiters);
  }

  async deregister(waiter: Waiter): Promise<void> {
    const waiters = this.byJob.get(waiter.jobId);
    waiters?.delete(waiter.waiterId);
    if (waiters?.size === 0) this.byJob.delete(waiter.jobId);
  }

  async waitersOf(jobId: string): Promise<Waiter[]> {
    const nowSeconds = Math.floor(this.now() / 1000);
    return [...(this.byJob.get(jobId)?.values() ?? [])]
      .filter((waiter) => waiter.expiresAt > nowSeconds)
      .map((waiter) => ({ ...waiter }));
  }
}

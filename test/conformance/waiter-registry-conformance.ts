import { randomUUID } from 'node:crypto';
import type { Waiter, WaiterRegistry } from '../../src/jobs/ports/waiter-registry';

const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

function aWaiter(jobId: string, overrides: Partial<Waiter> = {}): Waiter {
  return { jobId, waiterId: randomUUID(), inboxUrl: `inbox-${randomUUID()}`, expiresAt: inAMinute(), ...overrides };
}

const byId = (waiters: Waiter[]) => [...waiters].sort((a, b) => a.waiterId.localeCompare(b.waiterId));

/** What every WaiterRegistry adapter must do: the notifier finds exactly the live waiters of a job. */
export function describeWaiterRegistryConformance(name: string, makeAdapter: () => Promise<WaiterRegistry>): void {
  describe(`${name}: WaiterRegistry conformance`, () => {
    let registry: WaiterRegistry;

    beforeAll(async () => {
      registry = await makeAdapter();
    });

    test("a job's registered waiters are listed whole, and only that job's", async () => {
      const jobId = randomUUID();
      const waiters = [aWaiter(jobId), aWaiter(jobId)];
      for (const waiter of waiters) await registry.register(waiter);
      await registry.register(aWaiter(randomUUID()));
      expect(byId(await registry.waitersOf(jobId))).toEqual(byId(waiters));
    });

    test('a job nobody waits on has no waiters', async () => {
      expect(await registry.waitersOf(randomUUID())).toEqual([]);
    });

    test('deregistering removes that waiter only', async () => {
      const jobId = randomUUID();
      const [gone, staying] = [aWaiter(jobId), aWaiter(jobId)];
      await registry.register(gone);
      await registry.register(staying);
      await registry.deregister(gone);
      expect(await registry.waitersOf(jobId)).toEqual([staying]);
    });

    test('registering the same waiter again replaces it', async () => {
      const jobId = randomUUID();
      const waiter = aWaiter(jobId);
      await registry.register(waiter);
      const moved = { ...waiter, inboxUrl: 'inbox-moved', expiresAt: waiter.expiresAt + 30 };
      await registry.register(moved);
      expect(await registry.waitersOf(jobId)).toEqual([moved]);
    });

    test('a registration past its expiry is not listed, even before anything deletes it', async () => {
      const jobId = randomUUID();
      const live = aWaiter(jobId);
      await registry.register(aWaiter(jobId, { expiresAt: Math.floor(Date.now() / 1000) - 1 }));
      await registry.register(live);
      expect(await registry.waitersOf(jobId)).toEqual([live]);
    });

    test('deregistering a waiter that is not registered is harmless', async () => {
      await expect(registry.deregister(aWaiter(randomUUID()))).resolves.toBeUndefined();
    });
  });
}

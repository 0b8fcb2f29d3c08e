import { randomUUID } from 'node:crypto';
import type { Subscription, SubscriptionStore } from '../../src/jobs/ports/subscriptions';
import { keysMatching, targetKey, type SubscriptionTarget } from '../../src/jobs/realtime/subscriptions';

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const subscription = (connectionId: string, target: SubscriptionTarget, expiresAt = inAnHour()): Subscription => ({
  connectionId,
  target,
  expiresAt,
});
const connections = (subscriptions: Subscription[]) => subscriptions.map((s) => s.connectionId).sort();

/** What every SubscriptionStore adapter must do: the notifier finds exactly the live subscribers of a change. */
export function describeSubscriptionStoreConformance(
  name: string,
  makeAdapter: () => Promise<SubscriptionStore>,
): void {
  describe(`${name}: SubscriptionStore conformance`, () => {
    let store: SubscriptionStore;

    beforeAll(async () => {
      store = await makeAdapter();
    });

    test("a job's subscribers and the matching filters' subscribers are found by the change's keys", async () => {
      const jobId = randomUUID();
      const type = `t${randomUUID().slice(0, 8)}`;
      const [byId, byType, byBoth, otherStatus] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await store.add([
        subscription(byId, { kind: 'job', jobId }),
        subscription(byType, { kind: 'filter', filter: { type } }),
        subscription(byBoth, { kind: 'filter', filter: { type, status: 'completed' } }),
        subscription(otherStatus, { kind: 'filter', filter: { type, status: 'failed' } }),
        subscription(randomUUID(), { kind: 'job', jobId: randomUUID() }),
      ]);
      const found = await store.subscribersOf(keysMatching({ jobId, type, status: 'completed' }));
      expect(connections(found)).toEqual([byId, byType, byBoth].sort());
      expect(found.find((s) => s.connectionId === byBoth)?.target).toEqual({
        kind: 'filter',
        filter: { type, status: 'completed' },
      });
    });

    test('expired subscriptions are not listed', async () => {
      const jobId = randomUUID();
      await store.add([subscription(randomUUID(), { kind: 'job', jobId }, Math.floor(Date.now() / 1000) - 1)]);
      expect(await store.subscribersOf([targetKey({ kind: 'job', jobId })])).toEqual([]);
    });

    test('unsubscribing removes those targets of that connection only', async () => {
      const [jobA, jobB] = [randomUUID(), randomUUID()];
      const [leaving, staying] = [randomUUID(), randomUUID()];
      await store.add([
        subscription(leaving, { kind: 'job', jobId: jobA }),
        subscription(leaving, { kind: 'job', jobId: jobB }),
        subscription(staying, { kind: 'job', jobId: jobA }),
      ]);
      await store.remove(leaving, [{ kind: 'job', jobId: jobA }]);
      expect(connections(await store.subscribersOf([`job#${jobA}`]))).toEqual([staying]);
      expect(connections(await store.subscribersOf([`job#${jobB}`]))).toEqual([leaving]);
    });

    test('removing a connection removes every one of its subscriptions (more than one batch of them)', async () => {
      const connectionId = randomUUID();
      const jobIds = Array.from({ length: 30 }, () => randomUUID());
      await store.add(jobIds.map((jobId) => subscription(connectionId, { kind: 'job', jobId })));
      await store.add([subscription(connectionId, { kind: 'filter', filter: { status: 'queued' } })]);
      const other = randomUUID();
      await store.add([subscription(other, { kind: 'job', jobId: jobIds[0]! })]);
      await store.removeConnection(connectionId);
      const keys = [...jobIds.map((jobId) => `job#${jobId}`), 'filter#*#queued'];
      expect(connections(await store.subscribersOf(keys)).filter((id) => id === connectionId)).toEqual([]);
      expect(connections(await store.subscribersOf([`job#${jobIds[0]}`]))).toEqual([other]);
    });
  });
}

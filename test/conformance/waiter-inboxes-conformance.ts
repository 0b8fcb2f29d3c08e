import type { ChangeNotice, InboxPool, NoticeSender } from '../../src/jobs/ports/waiter-inbox';

export interface WaiterInboxesHarness {
  pool: InboxPool;
  sender: NoticeSender;
  /** Deletes an inbox, as the janitor does once its execution environment is gone. */
  remove(inboxUrl: string): Promise<void>;
}

const aNotice = (inboxUrl: string, version: number): ChangeNotice => ({
  waiterId: `waiter-of-${inboxUrl}`,
  jobId: 'job-1',
  version,
  status: 'processing',
  updatedAt: new Date().toISOString(),
});

/** What every pair of InboxPool and NoticeSender adapters must do: a notice reaches its waiter, promptly. */
export function describeWaiterInboxesConformance(name: string, makeHarness: () => Promise<WaiterInboxesHarness>): void {
  describe(`${name}: WaiterInbox conformance`, () => {
    let harness: WaiterInboxesHarness;

    beforeAll(async () => {
      harness = await makeHarness();
    });

    test('a notice sent to an inbox is received by it, once', async () => {
      const inbox = await harness.pool.acquire();
      const notice = aNotice(inbox.url, 2);
      await harness.sender.send(inbox.url, [notice]);
      expect(await inbox.receive(2_000)).toEqual([notice]);
      expect(await inbox.receive(0)).toEqual([]);
      harness.pool.release(inbox);
    });

    test('a waiting receive wakes when a notice arrives, long before its wait ends', async () => {
      const inbox = await harness.pool.acquire();
      const startedAt = Date.now();
      const receiving = inbox.receive(5_000);
      setTimeout(() => void harness.sender.send(inbox.url, [aNotice(inbox.url, 3)]), 200);
      expect(await receiving).toMatchObject([{ version: 3 }]);
      expect(Date.now() - startedAt).toBeLessThan(4_000);
      harness.pool.release(inbox);
    });

    test('with nothing to receive, a receive waits about maxWaitMs and returns nothing', async () => {
      const inbox = await harness.pool.acquire();
      const startedAt = Date.now();
      expect(await inbox.receive(1_000)).toEqual([]);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
      harness.pool.release(inbox);
    });

    test('an abort ends a receive at once with nothing', async () => {
      const inbox = await harness.pool.acquire();
      const controller = new AbortController();
      const startedAt = Date.now();
      setTimeout(() => controller.abort(), 100);
      expect(await inbox.receive(5_000, controller.signal)).toEqual([]);
      expect(Date.now() - startedAt).toBeLessThan(3_000);
      harness.pool.release(inbox);
    });

    test('after an aborted receive, the next waiter from the pool still gets its notices', async () => {
      const aborted = await harness.pool.acquire();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await aborted.receive(5_000, controller.signal);
      harness.pool.release(aborted);
      const next = await harness.pool.acquire();
      const notice = aNotice(next.url, 7);
      await harness.sender.send(next.url, [notice]);
      expect(await next.receive(2_000)).toEqual([notice]);
      harness.pool.release(next);
    });

    test('more notices than one receive holds all arrive', async () => {
      const inbox = await harness.pool.acquire();
      const notices = Array.from({ length: 13 }, (_, index) => aNotice(inbox.url, index + 1));
      await harness.sender.send(inbox.url, notices);
      const received: ChangeNotice[] = [];
      for (let round = 0; round < 5 && received.length < notices.length; round++) {
        received.push(...(await inbox.receive(1_000)));
      }
      expect(received.map((notice) => notice.version).sort((a, b) => a - b)).toEqual(
        notices.map((notice) => notice.version),
      );
      harness.pool.release(inbox);
    });

    test('inboxes in use are distinct, and a released inbox is reused', async () => {
      const first = await harness.pool.acquire();
      const second = await harness.pool.acquire();
      expect(second.url).not.toBe(first.url);
      harness.pool.release(first);
      const third = await harness.pool.acquire();
      expect(third.url).toBe(first.url);
      harness.pool.release(second);
      harness.pool.release(third);
    });

    test('a notice for an inbox that is gone is dropped without an error', async () => {
      const inbox = await harness.pool.acquire();
      await harness.remove(inbox.url);
      await expect(harness.sender.send(inbox.url, [aNotice(inbox.url, 1)])).resolves.toBeUndefined();
    });
  });
}

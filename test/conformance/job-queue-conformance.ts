import type { JobMessage, JobQueue } from '../../src/jobs/ports/job-queue';

export interface JobQueueHarness {
  /** Sends email jobs to one queue and sms jobs to another. */
  queue: JobQueue;
  /** What a consumer of the type's queue receives within `waitSeconds`; received messages are gone. */
  receive(type: 'email' | 'sms', waitSeconds: number): Promise<JobMessage[]>;
  /** Lets `ms` pass for the queue (real time, or a test clock). */
  elapse(ms: number): Promise<void>;
}

/** What every JobQueue adapter must do. */
export function describeJobQueueConformance(name: string, makeHarness: () => Promise<JobQueueHarness>): void {
  describe(`${name}: JobQueue conformance`, () => {
    let harness: JobQueueHarness;

    beforeEach(async () => {
      harness = await makeHarness();
    });

    test("a job's message goes to its own type's queue and carries only id, type and round", async () => {
      await harness.queue.enqueue({ jobId: 'job-1', type: 'email', round: 2 }, 0);
      expect(await harness.receive('email', 1)).toEqual([{ jobId: 'job-1', type: 'email', round: 2 }]);
      expect(await harness.receive('sms', 0)).toEqual([]);
    });

    test('a delayed message is not delivered before its DelaySeconds, and is after', async () => {
      await harness.queue.enqueue({ jobId: 'job-2', type: 'sms', round: 1 }, 2);
      expect(await harness.receive('sms', 0)).toEqual([]);
      await harness.elapse(1000);
      expect(await harness.receive('sms', 0)).toEqual([]);
      await harness.elapse(1200);
      expect(await harness.receive('sms', 2)).toEqual([{ jobId: 'job-2', type: 'sms', round: 1 }]);
    });

    test('every message sent is delivered once', async () => {
      const sent = ['a', 'b', 'c'].map((jobId) => ({ jobId, type: 'email' as const, round: 1 }));
      for (const message of sent) await harness.queue.enqueue(message, 0);
      const received: JobMessage[] = [];
      for (let round = 0; round < 5 && received.length < sent.length; round++) {
        received.push(...(await harness.receive('email', 1)));
      }
      expect(received.map((m) => m.jobId).sort()).toEqual(['a', 'b', 'c']);
      expect(await harness.receive('email', 0)).toEqual([]);
    });
  });
}

import { randomUUID } from 'node:crypto';
import { REMOVED, minuteOf, percentileOf, type JobCounterChange } from '../../src/jobs/job-counters';
import type { JobCounters } from '../../src/jobs/ports/job-counters';

const at = '2026-12-02T03:41:07.000Z';
/** A job's life as the stream shows it: created queued, then processing, then completed in 1.5 s. */
function lifeOf(type: string, jobId = randomUUID()): JobCounterChange[] {
  return [
    { jobId, type, version: 1, status: 'queued', at },
    { jobId, type, version: 2, status: 'processing', previousStatus: 'queued', at },
    { jobId, type, version: 3, status: 'completed', previousStatus: 'processing', at, durationMs: 1500 },
  ];
}
const aType = () => `t${randomUUID().slice(0, 8)}`;

/** What every JobCounters adapter must do: count each change once, however often the stream delivers it. */
export function describeJobCountersConformance(name: string, makeAdapter: () => Promise<JobCounters>): void {
  describe(`${name}: JobCounters conformance`, () => {
    let counters: JobCounters;

    beforeAll(async () => {
      counters = await makeAdapter();
    });

    test('a job moves from status to status in the counts, and its minute counts it submitted and completed', async () => {
      const type = aType();
      const [created, ...rest] = lifeOf(type);
      await counters.apply([created!]);
      expect((await counters.counts()).queued?.[type]).toBe(1);
      await counters.apply(rest);
      const counts = await counters.counts();
      expect(counts.queued?.[type]).toBeUndefined();
      expect(counts.processing?.[type]).toBeUndefined();
      expect(counts.completed?.[type]).toBe(1);
      const [minute] = await counters.minutes(type, minuteOf(at), minuteOf(at));
      expect(minute).toMatchObject({ type, minute: minuteOf(at), submitted: 1, completed: 1, failed: 0 });
      expect(percentileOf(minute!.buckets, 0.5)).toBeGreaterThan(1400);
      expect(percentileOf(minute!.buckets, 0.5)).toBeLessThan(1600);
    });

    test('a redelivered batch, whole or in part, counts nothing twice', async () => {
      const type = aType();
      const life = lifeOf(type);
      await counters.apply(life);
      await counters.apply(life);
      await counters.apply(life.slice(1));
      await counters.apply([life[0]!]);
      expect((await counters.counts()).completed?.[type]).toBe(1);
      expect(await counters.minutes(type, minuteOf(at), minuteOf(at))).toEqual([
        expect.objectContaining({ submitted: 1, completed: 1, failed: 0 }),
      ]);
    });

    test('two deliveries of one batch at once (a retry racing a slow first try) count it once', async () => {
      const type = aType();
      const batch = [...lifeOf(type), ...lifeOf(type)];
      await Promise.all([counters.apply(batch), counters.apply(batch)]);
      // A shard's records reach the function in order, so a later part of the batch (a bisected retry)
      // only comes after its start was applied: run at once, it would count a job first seen
      // mid-life from that change on, like one written before the counters existed.
      await counters.apply(batch.slice(2));
      expect((await counters.counts()).completed?.[type]).toBe(2);
      expect(await counters.minutes(type, minuteOf(at), minuteOf(at))).toEqual([
        expect.objectContaining({ submitted: 2, completed: 2, failed: 0 }),
      ]);
    });

    test('a job written before the counters is counted from its first change, with nothing taken away', async () => {
      const type = aType();
      const jobId = randomUUID();
      await counters.apply([
        { jobId, type, version: 7, status: 'failed', previousStatus: 'processing', at, durationMs: 20 },
      ]);
      const counts = await counters.counts();
      expect(counts.failed?.[type]).toBe(1);
      expect(counts.processing?.[type]).toBeUndefined();
      expect(await counters.minutes(type, minuteOf(at), minuteOf(at))).toEqual([
        expect.objectContaining({ submitted: 0, completed: 0, failed: 1 }),
      ]);
    });

    test("a removed job leaves the counts, and a batch redelivered after its removal doesn't bring it back", async () => {
      const type = aType();
      const life = lifeOf(type);
      const removal: JobCounterChange = { jobId: life[0]!.jobId, type, version: 4, status: REMOVED, at };
      await counters.apply([...life, removal]);
      expect((await counters.counts()).completed?.[type]).toBeUndefined();
      await counters.apply([...life, removal]);
      expect((await counters.counts()).completed?.[type]).toBeUndefined();
      expect(await counters.minutes(type, minuteOf(at), minuteOf(at))).toEqual([
        expect.objectContaining({ submitted: 1, completed: 1 }),
      ]);
    });

    test('minutes are per type and read by range; batches larger than one write are counted whole', async () => {
      const type = aType();
      const other = aType();
      const later = '2026-12-02T03:43:30.000Z';
      const many = Array.from({ length: 45 }, (_, i) => ({
        jobId: randomUUID(),
        type,
        version: 1,
        status: 'queued' as const,
        at: i % 2 ? at : later,
      }));
      await counters.apply([...many, ...lifeOf(other)]);
      expect((await counters.counts()).queued?.[type]).toBe(45);
      const minutes = await counters.minutes(type, minuteOf(at), minuteOf(later));
      expect(minutes.map((m) => [m.minute, m.submitted])).toEqual([
        [minuteOf(at), 22],
        [minuteOf(later), 23],
      ]);
      expect(await counters.minutes(type, minuteOf(later), minuteOf(later))).toHaveLength(1);
      expect(await counters.minutes(other, minuteOf(later), minuteOf(later))).toEqual([]);
    });
  });
}

import {
  REMOVED,
  counterChangeOf,
  durationBucketOf,
  durationOfBucket,
  mergeBuckets,
  minutesEndingAt,
  percentileOf,
  planCounterUpdates,
  typeSeriesOf,
  type JobCounterChange,
} from '../../src/jobs/job-counters';

const at = '2026-12-02T03:41:07.000Z';
const now = new Date('2026-12-02T03:45:00.000Z');

describe('counterChangeOf: a stream record as a counted change', () => {
  const job = { id: 'j1', type: 'email', createdAt: '2026-12-02T03:41:00.000Z', updatedAt: at };

  test('an insert is a change with no previous status', () => {
    expect(counterChangeOf(undefined, { ...job, status: 'queued', version: 1 }, now)).toEqual({
      jobId: 'j1',
      type: 'email',
      version: 1,
      status: 'queued',
      at,
    });
  });

  test('a finish carries the time from due to finished; a delayed job is due at runAt', () => {
    const change = counterChangeOf(
      { ...job, status: 'processing', version: 2 },
      { ...job, status: 'completed', version: 3, runAt: '2026-12-02T03:41:05.000Z' },
      now,
    );
    expect(change).toMatchObject({ status: 'completed', previousStatus: 'processing', durationMs: 2000 });
  });

  test('a removal counts as the version after the last one, at the time given', () => {
    expect(counterChangeOf({ ...job, status: 'completed', version: 3 }, undefined, now)).toEqual({
      jobId: 'j1',
      type: 'email',
      version: 4,
      status: REMOVED,
      previousStatus: 'completed',
      at: now.toISOString(),
    });
  });

  test('a rewrite of the same version and an item that is not a job are not changes', () => {
    const same = { ...job, status: 'queued', version: 1 } as const;
    expect(counterChangeOf(same, same, now)).toBeUndefined();
    expect(counterChangeOf(undefined, { id: 'x' }, now)).toBeUndefined();
    expect(counterChangeOf(undefined, { ...job, status: 'bogus' as 'queued', version: 1 }, now)).toBeUndefined();
  });
});

describe('planCounterUpdates', () => {
  const life: JobCounterChange[] = [
    { jobId: 'j1', type: 'email', version: 1, status: 'queued', at },
    { jobId: 'j1', type: 'email', version: 2, status: 'processing', previousStatus: 'queued', at },
    { jobId: 'j1', type: 'email', version: 3, status: 'completed', previousStatus: 'processing', at, durationMs: 900 },
  ];

  test('a whole life in one batch nets to one completed job, one marker, one minute', () => {
    const plan = planCounterUpdates(new Map(), life);
    expect(plan.counts).toEqual([{ type: 'email', status: 'completed', delta: 1 }]);
    expect(plan.markers).toEqual([{ jobId: 'j1', next: { type: 'email', version: 3, status: 'completed' } }]);
    expect(plan.minutes).toEqual([
      {
        type: 'email',
        minute: '2026-12-02T03:41',
        submitted: 1,
        completed: 1,
        failed: 0,
        buckets: { [durationBucketOf(900)]: 1 },
      },
    ]);
  });

  test('changes the marker holds already are skipped; the rest move from the marker status', () => {
    const plan = planCounterUpdates(
      new Map([['j1', { type: 'email', version: 2, status: 'processing' as const }]]),
      life,
    );
    expect(plan.counts).toEqual([
      { type: 'email', status: 'processing', delta: -1 },
      { type: 'email', status: 'completed', delta: 1 },
    ]);
    expect(plan.markers).toEqual([
      { jobId: 'j1', expectedVersion: 2, next: { type: 'email', version: 3, status: 'completed' } },
    ]);
    expect(plan.minutes.map((m) => [m.submitted, m.completed])).toEqual([[0, 1]]);
    expect(
      planCounterUpdates(new Map([['j1', { type: 'email', version: 3, status: 'completed' as const }]]), life),
    ).toEqual({ markers: [], counts: [], minutes: [] });
  });

  test('a retry is no failure, a failure after retries is one, a reclaim (processing → processing) counts nothing', () => {
    const plan = planCounterUpdates(new Map(), [
      { jobId: 'j2', type: 'sms', version: 5, status: 'retrying', previousStatus: 'processing', at },
      { jobId: 'j2', type: 'sms', version: 6, status: 'processing', previousStatus: 'retrying', at },
      { jobId: 'j2', type: 'sms', version: 7, status: 'processing', previousStatus: 'processing', at },
      { jobId: 'j2', type: 'sms', version: 8, status: 'failed', previousStatus: 'processing', at, durationMs: 5 },
    ]);
    expect(plan.counts).toEqual([{ type: 'sms', status: 'failed', delta: 1 }]);
    expect(plan.minutes).toEqual([expect.objectContaining({ submitted: 0, completed: 0, failed: 1 })]);
  });

  test('removing a job never counted writes only its marker', () => {
    const plan = planCounterUpdates(new Map(), [{ jobId: 'j3', type: 'email', version: 9, status: REMOVED, at }]);
    expect(plan).toEqual({
      markers: [{ jobId: 'j3', next: { type: 'email', version: 9, status: REMOVED } }],
      counts: [],
      minutes: [],
    });
  });
});

describe('duration buckets and percentiles', () => {
  test('buckets are fixed, four per doubling, and a bucket stands for a value within 10 % of what fell in it', () => {
    expect(durationBucketOf(0)).toBe(0);
    expect(durationBucketOf(1)).toBe(1);
    expect(durationBucketOf(2)).toBe(5);
    expect(durationBucketOf(1e12)).toBe(119);
    for (const ms of [3, 47, 1000, 61_000, 3_600_000]) {
      expect(Math.abs(durationOfBucket(durationBucketOf(ms)) / ms - 1)).toBeLessThan(0.1);
    }
  });

  test('p50 and p95 of merged minutes are those of all their jobs together', () => {
    const minuteA = { [durationBucketOf(100)]: 90 };
    const minuteB = { [durationBucketOf(100)]: 5, [durationBucketOf(10_000)]: 5 };
    const merged = mergeBuckets(minuteA, minuteB);
    expect(merged).toEqual({ [durationBucketOf(100)]: 95, [durationBucketOf(10_000)]: 5 });
    expect(percentileOf(merged, 0.5)).toBeCloseTo(100, -1);
    expect(percentileOf(merged, 0.95)).toBeCloseTo(100, -1);
    expect(percentileOf(merged, 0.96)).toBeGreaterThan(9000);
    expect(percentileOf({}, 0.5)).toBeUndefined();
  });
});

describe('typeSeriesOf', () => {
  test('every minute of the window is there, oldest first, with zeros and totals', () => {
    const window = minutesEndingAt(now, 3);
    expect(window).toEqual(['2026-12-02T03:43', '2026-12-02T03:44', '2026-12-02T03:45']);
    const series = typeSeriesOf('email', window, [
      { type: 'email', minute: '2026-12-02T03:44', submitted: 2, completed: 1, failed: 1, buckets: { 40: 2 } },
      { type: 'email', minute: '2026-12-02T03:40', submitted: 9, completed: 9, failed: 0, buckets: {} },
    ]);
    expect(series.points.map((p) => [p.minute, p.submitted, p.completed, p.failed])).toEqual([
      ['2026-12-02T03:43', 0, 0, 0],
      ['2026-12-02T03:44', 2, 1, 1],
      ['2026-12-02T03:45', 0, 0, 0],
    ]);
    expect(series.points[1]).toMatchObject({ p50Ms: Math.round(durationOfBucket(40)) });
    expect(series.points[0]).not.toHaveProperty('p50Ms');
    expect(series.total).toEqual({ submitted: 2, completed: 1, failed: 1, p50Ms: 939, p95Ms: 939 });
  });
});

/**
 * The counting rules behind `GET /stats` and `GET /stats/series`: what a change of a job (one
 * record of the jobs table's stream) adds to the current counts per type and status, and to the
 * per-minute counters per type (submitted, completed, failed and a duration histogram). Plain
 * TypeScript: the adapters (src/aws/dynamodb-job-counters.ts, in-memory) only store the plan.
 */
import { JOB_STATUSES, type AnyJobType, type Job, type JobStatus } from './job';

/** The removal of a job (DynamoDB's TTL deleting a finished job, or a delete). */
export const REMOVED = 'removed';

/** One change of one job, as the stream delivers it (oldest first per job). */
export interface JobCounterChange {
  jobId: string;
  type: AnyJobType;
  /** The version the job has after the change; a removal counts as the version after the last one. */
  version: number;
  status: JobStatus | typeof REMOVED;
  /** The status before the change; absent when the change created the job. */
  previousStatus?: JobStatus;
  /** When the change happened (ISO 8601): the minute it is counted in. */
  at: string;
  /** For a job that just finished (completed, done or failed): from when it was due to now. */
  durationMs?: number;
}

/**
 * What the counters last counted of a job. It makes counting idempotent: a change whose version
 * is not above the marker's was counted already (a redelivered stream batch) and adds nothing;
 * otherwise the job moves out of the marker's status (not the old image's: the counts hold what
 * was counted) into the new one. A job first seen by a change that did not create it (written
 * before the counters existed) is counted from then on, with nothing to take away.
 */
export interface CountedJob {
  type: AnyJobType;
  version: number;
  status: JobStatus | typeof REMOVED;
}

export type StatusCounts = Partial<Record<JobStatus, Partial<Record<AnyJobType, number>>>>;

/** Per type and minute: what happened in that minute, and how long the jobs that finished in it took. */
export interface MinuteCounts {
  type: AnyJobType;
  /** `YYYY-MM-DDTHH:MM` (UTC). */
  minute: string;
  submitted: number;
  completed: number;
  failed: number;
  /** Duration histogram: bucket index (see {@link durationBucketOf}) → jobs. */
  buckets: Record<number, number>;
}

/**
 * Changes per transaction: each job's marker, plus at most two counts per change and one minute
 * per type and minute, stays under TransactWriteItems' 100 items.
 */
export const CHANGES_PER_TRANSACTION = 20;

export interface CounterPlan {
  /** Each job's marker to write, conditional on the version it had when read (undefined: none). */
  markers: { jobId: string; expectedVersion?: number; next: CountedJob }[];
  /** Non-zero changes of the current counts. */
  counts: { type: AnyJobType; status: JobStatus; delta: number }[];
  /** Non-empty per-minute additions. */
  minutes: MinuteCounts[];
}

const FINISHED_OK: ReadonlySet<string> = new Set(['completed', 'done']);

/** `2026-12-02T03:41:07.123Z` → `2026-12-02T03:41`. */
export function minuteOf(at: string | Date): string {
  return (typeof at === 'string' ? new Date(at) : at).toISOString().slice(0, 16);
}

/**
 * The plan for a batch of changes (stream order), given the markers as read now. Pure: the
 * adapter writes the markers conditionally, so a concurrent writer makes it read and plan again.
 */
export function planCounterUpdates(
  markers: ReadonlyMap<string, CountedJob | undefined>,
  changes: readonly JobCounterChange[],
): CounterPlan {
  const read = new Map(markers);
  const current = new Map<string, CountedJob | undefined>(markers);
  const counts = new Map<string, { type: AnyJobType; status: JobStatus; delta: number }>();
  const minutes = new Map<string, MinuteCounts>();
  const count = (type: AnyJobType, status: JobStatus, delta: number) => {
    const key = `${type}\u0000${status}`;
    const entry = counts.get(key) ?? { type, status, delta: 0 };
    entry.delta += delta;
    counts.set(key, entry);
  };
  const minuteFor = (type: AnyJobType, at: string) => {
    const minute = minuteOf(at);
    const key = `${type}\u0000${minute}`;
    let entry = minutes.get(key);
    if (!entry) minutes.set(key, (entry = { type, minute, submitted: 0, completed: 0, failed: 0, buckets: {} }));
    return entry;
  };
  const touched = new Set<string>();

  for (const change of changes) {
    const marker = current.get(change.jobId);
    if (marker && marker.version >= change.version) continue; // counted already
    touched.add(change.jobId);
    if (marker && marker.status !== REMOVED) count(marker.type, marker.status, -1);
    current.set(change.jobId, { type: change.type, version: change.version, status: change.status });
    if (change.status === REMOVED) continue;
    count(change.type, change.status, 1);
    if (change.previousStatus === undefined) minuteFor(change.type, change.at).submitted += 1;
    if (change.previousStatus === change.status) continue;
    const finishedOk = FINISHED_OK.has(change.status);
    if (!finishedOk && change.status !== 'failed') continue;
    const minute = minuteFor(change.type, change.at);
    if (finishedOk) minute.completed += 1;
    else minute.failed += 1;
    if (change.durationMs !== undefined) {
      const bucket = durationBucketOf(change.durationMs);
      minute.buckets[bucket] = (minute.buckets[bucket] ?? 0) + 1;
    }
  }

  return {
    markers: [...touched].map((jobId) => ({
      jobId,
      ...(read.get(jobId) ? { expectedVersion: read.get(jobId)!.version } : {}),
      next: current.get(jobId)!,
    })),
    counts: [...counts.values()].filter((entry) => entry.delta !== 0),
    minutes: [...minutes.values()],
  };
}

type Image = Partial<Pick<Job, 'id' | 'type' | 'status' | 'version' | 'createdAt' | 'updatedAt' | 'runAt'>>;
const isStatus = (value: unknown): value is JobStatus =>
  typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);

/**
 * The change a stream record describes, from its old and new images; undefined for a record that
 * is not a job's (or rewrites the same version). `removedAt` is when a removal is counted.
 */
export function counterChangeOf(
  before: Image | undefined,
  after: Image | undefined,
  removedAt: Date,
): JobCounterChange | undefined {
  if (!after) {
    if (!before?.id || !before.type || before.version === undefined) return undefined;
    return {
      jobId: before.id,
      type: before.type,
      version: before.version + 1,
      status: REMOVED,
      ...(isStatus(before.status) ? { previousStatus: before.status } : {}),
      at: removedAt.toISOString(),
    };
  }
  if (!after.id || !after.type || after.version === undefined || !isStatus(after.status)) return undefined;
  if (before?.version === after.version) return undefined;
  const at = after.updatedAt && !Number.isNaN(Date.parse(after.updatedAt)) ? after.updatedAt : removedAt.toISOString();
  const previousStatus = before && isStatus(before.status) ? before.status : undefined;
  const finished = FINISHED_OK.has(after.status) || after.status === 'failed';
  const dueAt = Date.parse(after.runAt ?? after.createdAt ?? '');
  return {
    jobId: after.id,
    type: after.type,
    version: after.version,
    status: after.status,
    ...(before ? { previousStatus: previousStatus ?? after.status } : {}),
    at,
    ...(finished && !Number.isNaN(dueAt) ? { durationMs: Math.max(0, Date.parse(at) - dueAt) } : {}),
  };
}

/**
 * Durations are counted in fixed log-scale buckets, four per doubling: bucket 0 holds [0, 1) ms,
 * bucket i ≥ 1 holds [2^((i-1)/4), 2^(i/4)) ms, the last one everything longer (about 8.5 days).
 * Fixed buckets merge by addition, so a percentile over any set of minutes and types is exact up
 * to its bucket: reported as the bucket's geometric middle, within 9 % of the true value.
 */
export const DURATION_BUCKETS = 120;

export function durationBucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(DURATION_BUCKETS - 1, Math.floor(Math.log2(ms) * 4) + 1);
}

/** The value a bucket stands for: its geometric middle (0.5 ms for bucket 0). */
export function durationOfBucket(bucket: number): number {
  return bucket <= 0 ? 0.5 : 2 ** ((bucket - 0.5) / 4);
}

export function mergeBuckets(...histograms: Readonly<Record<number, number>>[]): Record<number, number> {
  const merged: Record<number, number> = {};
  for (const histogram of histograms)
    for (const [bucket, n] of Object.entries(histogram)) merged[Number(bucket)] = (merged[Number(bucket)] ?? 0) + n;
  return merged;
}

/** The `p`-quantile (0 < p ≤ 1) of a histogram in whole ms; undefined when it is empty. */
export function percentileOf(histogram: Readonly<Record<number, number>>, p: number): number | undefined {
  const entries = Object.entries(histogram)
    .map(([bucket, n]) => [Number(bucket), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [bucket, n] of entries) {
    seen += n;
    if (seen >= rank) return Math.round(durationOfBucket(bucket));
  }
  return Math.round(durationOfBucket(entries.at(-1)![0]));
}

/** One minute of one type in `GET /stats/series`. */
export interface SeriesPoint {
  minute: string;
  submitted: number;
  completed: number;
  failed: number;
  p50Ms?: number;
  p95Ms?: number;
}

export interface TypeSeries {
  type: AnyJobType;
  /** Every minute of the window, oldest first, zeros included. */
  points: SeriesPoint[];
  /** The whole window: sums, and percentiles over the merged histograms. */
  total: Omit<SeriesPoint, 'minute'>;
}

export interface StatsSeries {
  minutes: number;
  /** First and last minute of the window (`YYYY-MM-DDTHH:MM`, UTC); the last is the current one. */
  from: string;
  to: string;
  types: TypeSeries[];
}

/** The window of `minutes` minutes ending with the one `now` is in, oldest first. */
export function minutesEndingAt(now: Date, minutes: number): string[] {
  const last = Math.floor(now.getTime() / 60_000);
  return Array.from({ length: minutes }, (_, i) => minuteOf(new Date((last - minutes + 1 + i) * 60_000)));
}

const percentiles = (buckets: Readonly<Record<number, number>>) => {
  const p50Ms = percentileOf(buckets, 0.5);
  const p95Ms = percentileOf(buckets, 0.95);
  return { ...(p50Ms !== undefined ? { p50Ms } : {}), ...(p95Ms !== undefined ? { p95Ms } : {}) };
};

/** A type's series over `window` (from {@link minutesEndingAt}), from its stored minutes. */
export function typeSeriesOf(type: AnyJobType, window: readonly string[], stored: readonly MinuteCounts[]): TypeSeries {
  const byMinute = new Map(stored.filter((m) => m.type === type).map((m) => [m.minute, m]));
  const points = window.map((minute): SeriesPoint => {
    const counts = byMinute.get(minute);
    return {
      minute,
      submitted: counts?.submitted ?? 0,
      completed: counts?.completed ?? 0,
      failed: counts?.failed ?? 0,
      ...percentiles(counts?.buckets ?? {}),
    };
  });
  const inWindow = window.flatMap((minute) => byMinute.get(minute) ?? []);
  const sum = (field: 'submitted' | 'completed' | 'failed') => inWindow.reduce((total, m) => total + m[field], 0);
  return {
    type,
    points,
    total: {
      submitted: sum('submitted'),
      completed: sum('completed'),
      failed: sum('failed'),
      ...percentiles(mergeBuckets(...inWindow.map((m) => m.buckets))),
    },
  };
}

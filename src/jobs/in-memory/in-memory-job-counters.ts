import type { AnyJobType } from '../job';
import {
  mergeBuckets,
  planCounterUpdates,
  type CountedJob,
  type JobCounterChange,
  type MinuteCounts,
  type StatusCounts,
} from '../job-counters';
import type { JobCounters } from '../ports/job-counters';

/** The counters in maps: the same plan as the DynamoDB adapter, applied at once. */
export class InMemoryJobCounters implements JobCounters {
  private readonly markers = new Map<string, CountedJob>();
  private readonly current = new Map<string, { type: AnyJobType; status: string; count: number }>();
  private readonly perMinute = new Map<string, MinuteCounts>();

  async apply(changes: readonly JobCounterChange[]): Promise<void> {
    const markers = new Map(changes.map((change) => [change.jobId, this.markers.get(change.jobId)]));
    const plan = planCounterUpdates(markers, changes);
    for (const { jobId, next } of plan.markers) this.markers.set(jobId, { ...next });
    for (const { type, status, delta } of plan.counts) {
      const key = `${type}\u0000${status}`;
      const entry = this.current.get(key) ?? { type, status, count: 0 };
      entry.count += delta;
      this.current.set(key, entry);
    }
    for (const minute of plan.minutes) {
      const key = `${minute.type}\u0000${minute.minute}`;
      const stored = this.perMinute.get(key);
      this.perMinute.set(
        key,
        stored
          ? {
              ...stored,
              submitted: stored.submitted + minute.submitted,
              completed: stored.completed + minute.completed,
              failed: stored.failed + minute.failed,
              buckets: mergeBuckets(stored.buckets, minute.buckets),
            }
          : structuredClone(minute),
      );
    }
  }

  async counts(): Promise<StatusCounts> {
    const counts: StatusCounts = {};
    for (const { type, status, count } of this.current.values()) {
      if (count <= 0) continue;
      (counts[status as keyof StatusCounts] ??= {})[type] = count;
    }
    return counts;
  }

  async minutes(type: AnyJobType, fromMinute: string, toMinute: string): Promise<MinuteCounts[]> {
    return [...this.perMinute.values()]
      .filter((m) => m.type === type && m.minute >= fromMinute && m.minute <= toMinute)
      .sort((a, b) => a.minute.localeCompare(b.minute))
      .map((m) => structuredClone(m));
  }
}

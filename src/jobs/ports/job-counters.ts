import type { AnyJobType } from '../job';
import type { JobCounterChange, MinuteCounts, StatusCounts } from '../job-counters';

/**
 * Counters maintained from the jobs table's stream: current counts per type and status, and per
 * type and minute what was submitted, completed and failed, with a duration histogram. Reads cost
 * the same however many jobs there are.
 */
export interface JobCounters {
  /**
   * Counts a batch of changes (stream order). Idempotent: a change counted before (a redelivered
   * batch, or part of one) adds nothing, so the caller may retry a failed batch whole.
   */
  apply(changes: readonly JobCounterChange[]): Promise<void>;
  /** Jobs per status and type now (types and statuses with none are left out). */
  counts(): Promise<StatusCounts>;
  /** A type's minutes from `fromMinute` to `toMinute` (inclusive, `YYYY-MM-DDTHH:MM`); minutes with nothing are absent. */
  minutes(type: AnyJobType, fromMinute: string, toMinute: string): Promise<MinuteCounts[]>;
}

import type { AnyJobType } from '../job';

export interface DueJobRef {
  id: string;
  type: AnyJobType;
}

/** Non-final jobs by the time they should next be moving, served by an index (never a scan). */
export interface DueJobs {
  /** Up to `limit` jobs due at or before `before`, oldest due first across shards. */
  dueBefore(before: Date, limit: number): Promise<DueJobRef[]>;
}

import { createHash } from 'node:crypto';

/**
 * How many partitions each sharded index of the jobs table spreads its keys over: `listing` for
 * byTypeShard and byStatusTypeShard (a page queries that many per type), `due` for byDue (the
 * reconciler queries that many per run). Writers and readers must agree: the stack sets both on
 * every function that touches jobs. Raise them, never lower them (see the README's Scale section).
 */
export interface JobsTableShards {
  readonly listing: number;
  readonly due: number;
}

/** About 4,000 jobs/s of one type on the listing indexes, 5,300 jobs/s on byDue (README, Scale). */
export const DEFAULT_JOBS_TABLE_SHARDS: JobsTableShards = { listing: 8, due: 16 };

/** Every listing page and reconciler run queries each shard in parallel; past this, a page costs more than it spreads. */
export const MAX_INDEX_SHARDS = 100;

export const isValidShardCount = (count: number): boolean =>
  Number.isInteger(count) && count >= 1 && count <= MAX_INDEX_SHARDS;

/**
 * The shard of a job in an index whose partition key would otherwise be one low-cardinality value
 * (a type, a status, a due time) for every job: a stable hash of its id, so its entries always
 * land in the same shard and writes spread evenly over the shards.
 */
export function indexShardOf(id: string, shards: number): string {
  return String(createHash('sha256').update(id).digest().readUInt32BE(0) % shards);
}

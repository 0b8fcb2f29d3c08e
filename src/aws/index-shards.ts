import { createHash } from 'node:crypto';

/**
 * The shard of a job in an index whose partition key would otherwise be one low-cardinality value
 * (a type, a status, a due time) for every job: a stable hash of its id, so its entries always
 * land in the same shard and writes spread evenly over the shards.
 */
export function indexShardOf(id: string, shards: number): string {
  return String(createHash('sha256').update(id).digest().readUInt32BE(0) % shards);
}

import type { Job } from '../jobs/job';
import { dueIndexAttributes, withoutIndexAttributes } from './dynamodb-due-jobs';
import { indexShardOf, type JobsTableShards } from './index-shards';

/**
 * The byTypeShard index's partition key: `<type>#<shard>`. A type's or a status's jobs under one
 * key would put all their index writes on one partition (about 1,000 write units/s: a few hundred
 * jobs/s); sharded (indexShardOf, JobsTableShards.listing), they spread over that many keys, and a
 * listing queries every shard and merges.
 */
export const TYPE_SHARD_ATTRIBUTE = 'typeShard';
/** The byStatusTypeShard index's partition key: `<status>#<type>#<shard>`, so one Query serves both filters. */
export const STATUS_TYPE_SHARD_ATTRIBUTE = 'statusTypeShard';

export const typeShardKey = (type: string, shard: string): string => `${type}#${shard}`;
export const statusTypeShardKey = (status: string, type: string, shard: string): string => `${status}#${type}#${shard}`;

/**
 * A job as the jobs table stores it: the job plus its index attributes, derived here and nowhere
 * else, so every write (the repository's create and save) keeps them in step with the status.
 */
export function jobItem(job: Job, shards: JobsTableShards): Record<string, unknown> {
  const shard = indexShardOf(job.id, shards.listing);
  return {
    ...job,
    ...dueIndexAttributes(job, shards.due),
    [TYPE_SHARD_ATTRIBUTE]: typeShardKey(job.type, shard),
    [STATUS_TYPE_SHARD_ATTRIBUTE]: statusTypeShardKey(job.status, job.type, shard),
  };
}

/**
 * Epoch seconds until which someone follows the job by id (JobsRepository.follow). Written only
 * by follow and never by a save, so a save computed from a read before the mark keeps it.
 */
export const FOLLOWED_UNTIL_ATTRIBUTE = 'followedUntil';

/** A stored item (or an index's projection of one) without its index and follow attributes, which are not part of the job. */
export function fromJobItem<T extends Record<string, unknown>>(item: T): T {
  const {
    [TYPE_SHARD_ATTRIBUTE]: _typeShard,
    [STATUS_TYPE_SHARD_ATTRIBUTE]: _statusTypeShard,
    [FOLLOWED_UNTIL_ATTRIBUTE]: _followedUntil,
    ...rest
  } = withoutIndexAttributes(item);
  return rest as T;
}

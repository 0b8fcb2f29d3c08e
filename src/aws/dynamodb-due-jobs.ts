import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AnyJobType, Job } from '../jobs/job';
import { dueAt } from '../jobs/job-due';
import type { DueJobRef, DueJobs } from '../jobs/ports/due-jobs';
import { mapOverload } from './aws-error-mapping';
import { DEFAULT_JOBS_TABLE_SHARDS, indexShardOf } from './index-shards';

/** The sparse GSI over non-final jobs, shared with the CDK stack. */
export const JOBS_BY_DUE_INDEX = 'byDue';
export const DUE_AT_ATTRIBUTE = 'dueAt';
export const DUE_SHARD_ATTRIBUTE = 'dueShard';

/**
 * The index attributes a job item carries: `dueAt` and `dueShard` while the job is non-final,
 * none once it is (so finished jobs drop out of the index and cost it nothing). Every job write
 * also writes its index entry, so with one partition all writes of the platform would land on one
 * index partition (about 1,000 writes/s); sharded they spread over `shards` (16 by default). The
 * reconciler reads all shards each run.
 */
export function dueIndexAttributes(job: Job, shards: number): Record<string, string> {
  const due = dueAt(job);
  return due === undefined ? {} : { [DUE_AT_ATTRIBUTE]: due, [DUE_SHARD_ATTRIBUTE]: indexShardOf(job.id, shards) };
}

/** An item as stored, minus the index attributes, which are not part of the job. */
export function withoutIndexAttributes<T extends Record<string, unknown>>(item: T): T {
  const { [DUE_AT_ATTRIBUTE]: _due, [DUE_SHARD_ATTRIBUTE]: _shard, ...job } = item;
  return job as T;
}

export class DynamoDbDueJobs implements DueJobs {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The byDue shard count the stack set (JobsTableShards.due): every shard is read. */
    private readonly shards: number = DEFAULT_JOBS_TABLE_SHARDS.due,
  ) {}

  async dueBefore(before: Date, limit: number): Promise<DueJobRef[]> {
    const shards = await Promise.all(
      Array.from({ length: this.shards }, (_, shard) => this.shardDueBefore(String(shard), before, limit)),
    );
    return shards
      .flat()
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
      .slice(0, limit)
      .map(({ id, type }) => ({ id, type }));
  }

  private async shardDueBefore(
    shard: string,
    before: Date,
    limit: number,
  ): Promise<{ id: string; type: AnyJobType; dueAt: string }[]> {
    const { Items = [] } = await this.documentClient
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: JOBS_BY_DUE_INDEX,
          KeyConditionExpression: '#shard = :shard AND #due <= :before',
          ExpressionAttributeNames: { '#shard': DUE_SHARD_ATTRIBUTE, '#due': DUE_AT_ATTRIBUTE, '#type': 'type' },
          ExpressionAttributeValues: { ':shard': shard, ':before': before.toISOString() },
          ProjectionExpression: 'id, #type, #due',
          Limit: limit,
        }),
      )
      .catch(mapOverload('DynamoDB'));
    return Items as { id: string; type: AnyJobType; dueAt: string }[];
  }
}

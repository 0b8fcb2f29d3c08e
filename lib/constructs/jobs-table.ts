import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DUE_AT_ATTRIBUTE, DUE_SHARD_ATTRIBUTE, JOBS_BY_DUE_INDEX } from '../../src/aws/dynamodb-due-jobs';
import { STATUS_TYPE_SHARD_ATTRIBUTE, TYPE_SHARD_ATTRIBUTE } from '../../src/aws/dynamodb-job-item';
import { JOBS_BY_STATUS_TYPE_SHARD_INDEX, JOBS_BY_TYPE_SHARD_INDEX } from '../../src/aws/dynamodb-job-listing';
import type { JobsTableShards } from '../../src/aws/index-shards';
import { JOBS_TABLE_SHARD_VARIABLES } from '../../lambdas/commons/environment';
import { SUMMARY_ATTRIBUTES } from '../../src/jobs/job-summary';

export interface JobsTableProps {
  readonly removalPolicy: RemovalPolicy;
  /** The shard counts of the listing and due indexes (validated by JobsPlatform). */
  readonly shards: JobsTableShards;
}

/** What a function that reads or writes jobs is told: the table and the shard counts its items are keyed with. */
export function jobsTableEnvironment(tableName: string, shards: JobsTableShards): Readonly<Record<string, string>> {
  return {
    JOBS_TABLE_NAME: tableName,
    [JOBS_TABLE_SHARD_VARIABLES.listing]: String(shards.listing),
    [JOBS_TABLE_SHARD_VARIABLES.due]: String(shards.due),
  };
}

/**
 * One item per job, keyed by `id`. On-demand; the stream (new and old images) feeds long-poll
 * notifications; `expiresAt` lets DynamoDB's TTL remove finished jobs after their retention.
 */
export class JobsTable extends Construct {
  readonly table: Table;
  /** Powertools idempotency records for `Idempotency-Key` submissions, expired by TTL after 24 h. */
  readonly idempotencyTable: Table;
  /** jobsTableEnvironment of this table: every function that touches jobs gets it. */
  readonly environment: Readonly<Record<string, string>>;
  /** Each sharded index by name, with the shard count (JobsTableShards) that spreads its writes. */
  readonly shardedIndexes: Readonly<Record<string, keyof JobsTableShards>> = {
    [JOBS_BY_TYPE_SHARD_INDEX]: 'listing',
    [JOBS_BY_STATUS_TYPE_SHARD_INDEX]: 'listing',
    [JOBS_BY_DUE_INDEX]: 'due',
  };

  constructor(scope: Construct, id: string, props: JobsTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
    });
    // Listing newest first by type, by status or by both, without ever scanning or filtering.
    // Keys are sharded by a hash of the id (props.shards.listing) so a busy type's or status's writes
    // spread over partitions; listings query every shard and merge. By type: keys only, so no
    // update rewrites an entry (a listing reads the summaries from the table). By status and
    // type: every status change moves the entry anyway, so it carries the summary's attributes
    // and nothing else (payloads and results stay in the table; index writes are billed by size).
    this.table.addGlobalSecondaryIndex({
      indexName: JOBS_BY_TYPE_SHARD_INDEX,
      partitionKey: { name: TYPE_SHARD_ATTRIBUTE, type: AttributeType.STRING },
      sortKey: { name: 'createdAt', type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    const keys = new Set<string>(['id', 'createdAt']);
    this.table.addGlobalSecondaryIndex({
      indexName: JOBS_BY_STATUS_TYPE_SHARD_INDEX,
      partitionKey: { name: STATUS_TYPE_SHARD_ATTRIBUTE, type: AttributeType.STRING },
      sortKey: { name: 'createdAt', type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: SUMMARY_ATTRIBUTES.filter((attribute) => !keys.has(attribute)),
    });
    // Sparse: only non-final jobs carry dueAt, so the reconciler's index holds just the jobs in
    // play; sharded partitions spread its writes. Keys and type are all the reconciler reads.
    this.table.addGlobalSecondaryIndex({
      indexName: JOBS_BY_DUE_INDEX,
      partitionKey: { name: DUE_SHARD_ATTRIBUTE, type: AttributeType.STRING },
      sortKey: { name: DUE_AT_ATTRIBUTE, type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['type'],
    });
    this.idempotencyTable = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.environment = jobsTableEnvironment(this.table.tableName, props.shards);
  }
}

/**
 * Listing pages on the sharded indexes beside what one unsharded key would cost: a page of the
 * adapter (every shard of every key the filter covers, merged, summaries fetched for keys-only
 * pages) and one Query of a single partition for the same page size, timed alternately on the
 * same table so the machine's load hits both alike. Also how evenly a type's jobs spread over its
 * shards, the point of sharding: each shard takes its share of the index writes.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  STATUS_TYPE_SHARD_ATTRIBUTE,
  statusTypeShardKey,
  TYPE_SHARD_ATTRIBUTE,
  typeShardKey,
} from '../../src/aws/dynamodb-job-item';
import {
  DynamoDbJobListing,
  JOBS_BY_STATUS_TYPE_SHARD_INDEX,
  JOBS_BY_TYPE_SHARD_INDEX,
} from '../../src/aws/dynamodb-job-listing';
import { queryAll } from '../../src/aws/dynamodb-query-all';
import type { JobFilter } from '../../src/jobs/ports/job-listing';
import { latencyPercentiles } from './stats';

export interface ListingRow {
  filter: string;
  /** The adapter's first page of `pageSize`, merged over the shards. */
  merged: { p50: number; p95: number; p99: number };
  /** One Query of one partition, `pageSize` items: the unsharded index's page. */
  single: { p50: number; p95: number; p99: number };
  pageSize: number;
  pages: number;
}

export interface ShardSpread {
  type: string;
  jobs: number;
  /** The fullest shard's share of the type's jobs (1 / shards when even). */
  hottestShare: number;
}

const FILTERS: { label: string; filter: JobFilter }[] = [
  { label: 'all types', filter: {} },
  { label: 'type=email', filter: { type: 'email' } },
  { label: 'status=completed', filter: { status: 'completed' } },
  { label: 'status=completed&type=email', filter: { status: 'completed', type: 'email' } },
];

const elapsed = async (work: () => Promise<unknown>): Promise<number> => {
  const startedAt = performance.now();
  await work();
  return Math.round(performance.now() - startedAt);
};

export async function measureListing(options: {
  documentClient: DynamoDBDocumentClient;
  jobsTable: string;
  jobTypes: readonly string[];
  /** The stack's listing shard count (its functions' JOBS_LISTING_SHARDS). */
  shards: number;
  pages: number;
  pageSize: number;
}): Promise<{ rows: ListingRow[]; spread: ShardSpread }> {
  const { documentClient, jobsTable: table, pageSize } = options;
  const listing = new DynamoDbJobListing(documentClient, table, options.jobTypes, options.shards);
  const singleQuery = (filter: JobFilter) => {
    const type = filter.type ?? 'email';
    const [index, attribute, value] = filter.status
      ? [JOBS_BY_STATUS_TYPE_SHARD_INDEX, STATUS_TYPE_SHARD_ATTRIBUTE, statusTypeShardKey(filter.status, type, '0')]
      : [JOBS_BY_TYPE_SHARD_INDEX, TYPE_SHARD_ATTRIBUTE, typeShardKey(type, '0')];
    return documentClient.send(
      new QueryCommand({
        TableName: table,
        IndexName: index,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': attribute },
        ExpressionAttributeValues: { ':pk': value },
        ScanIndexForward: false,
        Limit: pageSize,
      }),
    );
  };
  const rows: ListingRow[] = [];
  for (const { label, filter } of FILTERS) {
    const merged: number[] = [];
    const single: number[] = [];
    for (let page = 0; page < options.pages; page++) {
      merged.push(await elapsed(() => listing.list(filter, pageSize)));
      single.push(await elapsed(() => singleQuery(filter)));
    }
    rows.push({
      filter: label,
      merged: latencyPercentiles(merged),
      single: latencyPercentiles(single),
      pageSize,
      pages: options.pages,
    });
  }
  return { rows, spread: await measureSpread(documentClient, table, 'email', options.shards) };
}

async function measureSpread(
  documentClient: DynamoDBDocumentClient,
  table: string,
  type: string,
  shards: number,
): Promise<ShardSpread> {
  const counts = await Promise.all(
    Array.from({ length: shards }, async (_, shard) => {
      const keys = await queryAll(documentClient, {
        TableName: table,
        IndexName: JOBS_BY_TYPE_SHARD_INDEX,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TYPE_SHARD_ATTRIBUTE },
        ExpressionAttributeValues: { ':pk': typeShardKey(type, String(shard)) },
      });
      return keys.length;
    }),
  );
  const jobs = counts.reduce((sum, n) => sum + n, 0);
  return { type, jobs, hottestShare: jobs ? Math.max(...counts) / jobs : 0 };
}

import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../jobs/errors/dependency-unavailable-error';
import { ValidationError } from '../jobs/errors/validation-error';
import { EXTERNAL_JOB_TYPE } from '../jobs/job';
import { SUMMARY_ATTRIBUTES, summarizeJob, type SummarySource } from '../jobs/job-summary';
import type { JobFilter, JobListing, JobPage } from '../jobs/ports/job-listing';
import { mapOverload } from './aws-error-mapping';
import { batchGetAll, type BatchGetRetry } from './dynamodb-batch-get-all';
import {
  fromJobItem,
  STATUS_TYPE_SHARD_ATTRIBUTE,
  statusTypeShardKey,
  TYPE_SHARD_ATTRIBUTE,
  typeShardKey,
} from './dynamodb-job-item';
import { DEFAULT_JOBS_TABLE_SHARDS } from './index-shards';

/**
 * GSI names shared with the CDK stack. `byTypeShard` holds keys only (`id`, `createdAt`, the
 * shard key): no update of a job rewrites its entry, and listings read the summaries from the
 * table. `byStatusTypeShard` projects the summary: its entry moves with every status change anyway.
 */
export const JOBS_BY_TYPE_SHARD_INDEX = 'byTypeShard';
export const JOBS_BY_STATUS_TYPE_SHARD_INDEX = 'byStatusTypeShard';

type Key = Record<string, unknown>;

/** Where a listing is: the last job handed out, in newest-first order. */
interface Position {
  createdAt: string;
  id: string;
}

/** One index partition (one shard of a key), read newest first. */
interface Partition {
  index: string;
  attribute: string;
  value: string;
}

/** A partition being merged: what was read of it and not yet handed out, and where to read on. */
interface PartitionReader {
  partition: Partition;
  buffer: SummarySource[];
  startKey?: Key;
  exhausted: boolean;
}

const encodeCursor = (position: Position): string =>
  Buffer.from(JSON.stringify({ createdAt: position.createdAt, id: position.id })).toString('base64url');

function decodeCursor(cursor: string): Position {
  try {
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Position>;
    if (typeof position.createdAt === 'string' && typeof position.id === 'string') {
      return { createdAt: position.createdAt, id: position.id };
    }
  } catch {
    // fall through
  }
  throw new ValidationError([{ field: 'cursor', message: 'must be a cursor from a previous page' }]);
}

/** Negative when `a` comes first: newer, or as new with the greater id (ids break ties, as in every adapter). */
const newestFirst = (a: Position, b: Position) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

/**
 * Whether a shard's next job is known: it has no more to read, or what was read ends with a job
 * older than the first. Jobs sharing a createdAt come from the index in an order of its choosing,
 * so until the whole run of the first one's createdAt is read, a later read could bring one with
 * a greater id that must come first; the cursor (the last job handed out) relies on that order.
 */
const settled = (reader: PartitionReader): boolean =>
  reader.exhausted || (reader.buffer.length > 0 && reader.buffer.at(-1)!.createdAt < reader.buffer[0]!.createdAt);

/** A page's summaries while the table throttles: a few quick re-sends, then a 503. */
const SUMMARY_READ_RETRY: BatchGetRetry = {
  rounds: 4,
  backoffMs: (round) => 25 * 2 ** round,
  exhausted: () => new DependencyUnavailableError('DynamoDB', 1),
};

/**
 * Lists jobs from sharded GSIs sorted by `createdAt`: `byStatusTypeShard` (`<status>#<type>#<shard>`)
 * for listings with a status, `byTypeShard` (`<type>#<shard>`) for the rest. A listing reads every
 * shard of every key it covers (per type: the registry's and `external`) and merges them newest
 * first, reading each shard only as far as the page needs. The cursor is the last job handed out,
 * so it stays small however many partitions a page merges, and each shard resumes after it by value.
 */
export class DynamoDbJobListing implements JobListing {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The registry's job type names: a listing without a type reads each type's shards (and `external`'s). */
    private readonly jobTypes: readonly string[],
    /** The listing shard count the stack set (JobsTableShards.listing): every shard of a key is read. */
    private readonly shards: number = DEFAULT_JOBS_TABLE_SHARDS.listing,
  ) {}

  async list(filter: JobFilter, limit: number, cursor?: string): Promise<JobPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const readers: PartitionReader[] = this.partitionsFor(filter).map((partition) => ({
      partition,
      buffer: [],
      exhausted: false,
    }));
    const picked: SummarySource[] = [];
    while (picked.length < limit) {
      const unsettled = readers.filter((reader) => !settled(reader));
      if (unsettled.length > 0) {
        const open = readers.filter((reader) => !reader.exhausted).length;
        const size = Math.ceil((limit - picked.length) / open) + 1;
        await Promise.all(unsettled.map((reader) => this.read(reader, size, after)));
        continue;
      }
      let next: PartitionReader | undefined;
      for (const reader of readers) {
        const head = reader.buffer[0];
        if (head && (!next || newestFirst(head, next.buffer[0]!) < 0)) next = reader;
      }
      if (!next) break;
      picked.push(next.buffer.shift()!);
    }
    const more = readers.some((reader) => reader.buffer.length > 0 || !reader.exhausted);
    const last = picked.at(-1);
    const jobs = filter.status ? picked : await this.summariesOf(picked);
    return { jobs: jobs.map(summarizeJob), ...(more && last ? { nextCursor: encodeCursor(last) } : {}) };
  }

  private partitionsFor(filter: JobFilter): Partition[] {
    const types = filter.type ? [filter.type] : [...this.jobTypes, EXTERNAL_JOB_TYPE];
    const shards = Array.from({ length: this.shards }, (_, shard) => String(shard));
    return types.flatMap((type) =>
      shards.map((shard) =>
        filter.status
          ? {
              index: JOBS_BY_STATUS_TYPE_SHARD_INDEX,
              attribute: STATUS_TYPE_SHARD_ATTRIBUTE,
              value: statusTypeShardKey(filter.status!, type, shard),
            }
          : { index: JOBS_BY_TYPE_SHARD_INDEX, attribute: TYPE_SHARD_ATTRIBUTE, value: typeShardKey(type, shard) },
      ),
    );
  }

  /** Reads a shard on until it is settled (see `settled`). */
  private async read(reader: PartitionReader, size: number, after: Position | undefined): Promise<void> {
    const { partition } = reader;
    while (!settled(reader)) {
      const page = await this.documentClient
        .send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: partition.index,
            KeyConditionExpression: after ? '#pk = :pk AND #createdAt <= :createdAt' : '#pk = :pk',
            ExpressionAttributeNames: { '#pk': partition.attribute, ...(after ? { '#createdAt': 'createdAt' } : {}) },
            ExpressionAttributeValues: { ':pk': partition.value, ...(after ? { ':createdAt': after.createdAt } : {}) },
            ScanIndexForward: false,
            Limit: size,
            ExclusiveStartKey: reader.startKey,
          }),
        )
        .catch(mapOverload('DynamoDB'));
      const items = (page.Items ?? []).map((item) => fromJobItem(item) as SummarySource);
      // Only what comes after the cursor: the shard's jobs as new as the cursor's may be behind it.
      reader.buffer.push(...items.filter((job) => !after || newestFirst(after, job) < 0));
      reader.buffer.sort(newestFirst);
      reader.startKey = page.LastEvaluatedKey;
      reader.exhausted = !page.LastEvaluatedKey;
    }
  }

  /** The summaries of jobs read from a keys-only index, in the same order; jobs removed since are left out. */
  private async summariesOf(keys: readonly SummarySource[]): Promise<SummarySource[]> {
    const items = await batchGetAll<SummarySource>(
      this.documentClient,
      this.tableName,
      keys.map(({ id }) => ({ id })),
      { attributes: SUMMARY_ATTRIBUTES },
      SUMMARY_READ_RETRY,
    );
    const found = new Map(items.map((item) => [item.id, item]));
    return keys.flatMap(({ id }) => found.get(id) ?? []);
  }
}

import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../jobs/errors/validation-error';
import { EXTERNAL_JOB_TYPE } from '../jobs/job';
import { summarizeJob, type JobSummary, type SummarySource } from '../jobs/job-summary';
import type { JobFilter, JobListing, JobPage } from '../jobs/ports/job-listing';
import { mapOverload } from './aws-error-mapping';
import { fromJobItem, STATUS_TYPE_ATTRIBUTE, statusTypeKey } from './dynamodb-job-item';

/** GSI names shared with the CDK stack. */
export const JOBS_BY_TYPE_INDEX = 'byType';
export const JOBS_BY_STATUS_INDEX = 'byStatus';
/** Keyed on `statusType` (`<status>#<type>`): a listing filtered by both reads only matching jobs. */
export const JOBS_BY_STATUS_TYPE_INDEX = 'byStatusType';

type Key = Record<string, unknown>;

/** One index partition to read newest first, optionally filtered. */
interface Source {
  name: string;
  index: string;
  partition: { attribute: 'type' | 'status' | typeof STATUS_TYPE_ATTRIBUTE; value: string };
}

interface SourceState {
  startKey?: Key;
  done?: boolean;
}

const encodeCursor = (state: Record<string, SourceState>): string =>
  Buffer.from(JSON.stringify(state)).toString('base64url');

function decodeCursor(cursor: string): Record<string, SourceState> {
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof state === 'object' && state !== null && !Array.isArray(state))
      return state as Record<string, SourceState>;
  } catch {
    // fall through
  }
  throw new ValidationError([{ field: 'cursor', message: 'must be a cursor from a previous page' }]);
}

const newestFirst = (a: JobSummary, b: JobSummary) =>
  b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

/**
 * Merges partitions read newest first into up to `limit` jobs, newest first, taking from each
 * partition in the order DynamoDB returned it: jobs sharing a `createdAt` come in an order of the
 * index's choosing, and resuming a partition after the last job taken from it only repeats or skips
 * nothing when what was taken is a prefix of what was read. `taken` counts that prefix per partition.
 */
function mergeNewestFirst(partitions: readonly JobSummary[][], limit: number): { jobs: JobSummary[]; taken: number[] } {
  const taken = partitions.map(() => 0);
  const jobs: JobSummary[] = [];
  while (jobs.length < limit) {
    let pick = -1;
    for (const [index, items] of partitions.entries()) {
      const head = items[taken[index]!];
      if (head && (pick < 0 || newestFirst(head, partitions[pick]![taken[pick]!]!) < 0)) pick = index;
    }
    if (pick < 0) break;
    jobs.push(partitions[pick]![taken[pick]!]!);
    taken[pick]!++;
  }
  return { jobs, taken };
}

/**
 * Lists jobs from GSIs keyed by `type`, by `status` and by both (`statusType`), sorted by
 * `createdAt`, each projecting only the summary's attributes. Without a filter the per-type
 * partitions are merged newest first; the cursor remembers, per partition, the last job handed out.
 */
export class DynamoDbJobListing implements JobListing {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The registry's job type names: a listing without a filter reads each type's partition (and `external`'s). */
    private readonly jobTypes: readonly string[],
  ) {}

  async list(filter: JobFilter, limit: number, cursor?: string): Promise<JobPage> {
    const sources = this.sourcesFor(filter);
    const state = cursor ? decodeCursor(cursor) : {};
    const fetched = await Promise.all(
      sources.map(async (source) => {
        const sourceState = state[source.name] ?? {};
        if (sourceState.done) return { source, items: [] as JobSummary[], exhausted: true };
        return { source, ...(await this.fetch(source, sourceState.startKey, limit)) };
      }),
    );
    const { jobs, taken } = mergeNewestFirst(
      fetched.map(({ items }) => items),
      limit,
    );
    const next: Record<string, SourceState> = {};
    for (const [index, { source, items, exhausted }] of fetched.entries()) {
      const count = taken[index] ?? 0;
      const last = items[count - 1];
      if (exhausted && count === items.length) next[source.name] = { done: true };
      else if (last) next[source.name] = { startKey: this.keyOf(source, last) };
      else next[source.name] = state[source.name] ?? {};
    }
    const more = Object.values(next).some((s) => !s.done);
    return { jobs, ...(more ? { nextCursor: encodeCursor(next) } : {}) };
  }

  private sourcesFor(filter: JobFilter): Source[] {
    if (filter.status && filter.type) {
      const value = statusTypeKey(filter.status, filter.type);
      return [
        {
          name: `statusType:${value}`,
          index: JOBS_BY_STATUS_TYPE_INDEX,
          partition: { attribute: STATUS_TYPE_ATTRIBUTE, value },
        },
      ];
    }
    if (filter.status) {
      return [
        {
          name: `status:${filter.status}`,
          index: JOBS_BY_STATUS_INDEX,
          partition: { attribute: 'status', value: filter.status },
        },
      ];
    }
    const types = filter.type ? [filter.type] : [...this.jobTypes, EXTERNAL_JOB_TYPE];
    return types.map((type) => ({
      name: `type:${type}`,
      index: JOBS_BY_TYPE_INDEX,
      partition: { attribute: 'type', value: type },
    }));
  }

  private keyOf(source: Source, job: JobSummary): Key {
    return { id: job.id, createdAt: job.createdAt, [source.partition.attribute]: source.partition.value };
  }

  /** Up to `limit` matching jobs after `startKey`; `exhausted` when the partition has no more. */
  private async fetch(
    source: Source,
    startKey: Key | undefined,
    limit: number,
  ): Promise<{ items: JobSummary[]; exhausted: boolean }> {
    const items: JobSummary[] = [];
    let ExclusiveStartKey = startKey;
    do {
      const page = await this.documentClient
        .send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: source.index,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': source.partition.attribute },
            ExpressionAttributeValues: { ':pk': source.partition.value },
            ScanIndexForward: false,
            Limit: limit,
            ExclusiveStartKey,
          }),
        )
        .catch(mapOverload('DynamoDB'));
      items.push(...(page.Items ?? []).map((item) => summarizeJob(fromJobItem(item) as SummarySource)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (items.length < limit && ExclusiveStartKey);
    return { items: items.slice(0, limit), exhausted: !ExclusiveStartKey && items.length <= limit };
  }
}

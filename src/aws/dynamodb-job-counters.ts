import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { JobContentionError } from '../jobs/errors/job-contention-error';
import type { AnyJobType, JobStatus } from '../jobs/job';
import {
  CHANGES_PER_TRANSACTION,
  REMOVED,
  planCounterUpdates,
  type CounterPlan,
  type CountedJob,
  type JobCounterChange,
  type MinuteCounts,
  type StatusCounts,
} from '../jobs/job-counters';
import type { JobCounters } from '../jobs/ports/job-counters';
import { DEFAULT_CONFLICT_ROUNDS } from '../jobs/retry-on-conflict';
import { mapOverload } from './aws-error-mapping';
import { batchGetAll } from './dynamodb-batch-get-all';
import { queryAll } from './dynamodb-query-all';

/** Per-minute counters are kept this long by default, then TTL removes them. */
export const DEFAULT_MINUTE_RETENTION_SECONDS = 7 * 24 * 60 * 60;
/**
 * A removed job's marker outlives the stream's 24 h retention, so a batch redelivered after the
 * removal still finds it and counts nothing twice.
 */
const REMOVED_MARKER_RETENTION_SECONDS = 2 * 24 * 60 * 60;

const COUNTS_PARTITION = 'counts';
const MARKER_PREFIX = 'job#';
const markerKey = (jobId: string) => ({ pk: `${MARKER_PREFIX}${jobId}`, sk: 'marker' });
const jobIdOf = (marker: { pk?: unknown }) => String(marker.pk).slice(MARKER_PREFIX.length);
const minutePartition = (type: AnyJobType) => `minute#${type}`;
const BUCKET_ATTRIBUTE = /^b(\d+)$/;

interface MarkerItem extends CountedJob {
  pk: string;
  sk: string;
}

interface CountItem {
  type: AnyJobType;
  status: JobStatus;
  count: number;
}

type MinuteItem = {
  type: AnyJobType;
  minute: string;
  submitted?: number;
  completed?: number;
  failed?: number;
} & Record<string, unknown>;

/**
 * The counters table (partition key `pk`, sort key `sk`, TTL on `expiresAt`):
 * - `counts` / `<type>#<status>`: the current count (`count`);
 * - `minute#<type>` / `YYYY-MM-DDTHH:MM`: `submitted`, `completed`, `failed` and one `b<bucket>`
 *   per duration bucket, removed by TTL after the retention;
 * - `job#<id>` / `marker`: the version and status last counted of each job.
 *
 * Why markers and transactions: Lambda redelivers a failed stream batch whole (or halved, when it
 * bisects), so every change may arrive twice. Each transaction moves the markers of its jobs
 * forward, conditional on the versions read, together with the counts those moves imply: either
 * all of it lands or none, and a change whose version the marker already holds is skipped. A
 * guard on the old image's version alone could not tell a job written before the counters (no
 * marker: nothing to take away) from a lost change. The price: per change about two write units
 * for the marker, plus the shared count and minute items (aggregated per batch), and a
 * consistent read of the markers. Stream batches of one shard arrive one at a time, so the shared
 * items see no contention from themselves; other shards' batches may conflict, and a lost race
 * is read and planned again.
 */
export class DynamoDbJobCounters implements JobCounters {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly minuteRetentionSeconds: number = DEFAULT_MINUTE_RETENTION_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  async apply(changes: readonly JobCounterChange[]): Promise<void> {
    for (let start = 0; start < changes.length; start += CHANGES_PER_TRANSACTION) {
      await this.applyChunk(changes.slice(start, start + CHANGES_PER_TRANSACTION));
    }
  }

  async counts(): Promise<StatusCounts> {
    const items = await queryAll<CountItem>(this.documentClient, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': COUNTS_PARTITION },
    });
    const counts: StatusCounts = {};
    for (const { type, status, count } of items) if (count > 0) (counts[status] ??= {})[type] = count;
    return counts;
  }

  async minutes(type: AnyJobType, fromMinute: string, toMinute: string): Promise<MinuteCounts[]> {
    const items = await queryAll<MinuteItem>(this.documentClient, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': minutePartition(type), ':from': fromMinute, ':to': toMinute },
    });
    return items.map((item) => {
      const buckets: Record<number, number> = {};
      for (const [name, value] of Object.entries(item)) {
        const bucket = BUCKET_ATTRIBUTE.exec(name)?.[1];
        if (bucket !== undefined && typeof value === 'number') buckets[Number(bucket)] = value;
      }
      return {
        type,
        minute: item.minute,
        submitted: item.submitted ?? 0,
        completed: item.completed ?? 0,
        failed: item.failed ?? 0,
        buckets,
      };
    });
  }

  /** Read the markers, plan, write it all conditionally; a lost race reads and plans again. */
  private async applyChunk(changes: readonly JobCounterChange[]): Promise<void> {
    for (let round = 0; round < DEFAULT_CONFLICT_ROUNDS; round++) {
      const plan = planCounterUpdates(await this.readMarkers(changes.map((change) => change.jobId)), changes);
      if (plan.markers.length === 0) return;
      try {
        await this.documentClient.send(new TransactWriteCommand({ TransactItems: this.transactItems(plan) }));
        return;
      } catch (error) {
        const lostRace =
          error instanceof TransactionCanceledException &&
          (error.CancellationReasons ?? []).some(
            (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
          );
        if (!lostRace) mapOverload('DynamoDB')(error);
      }
    }
    throw new JobContentionError(changes[0]!.jobId, DEFAULT_CONFLICT_ROUNDS);
  }

  private async readMarkers(jobIds: readonly string[]): Promise<Map<string, CountedJob | undefined>> {
    const markers = new Map<string, CountedJob | undefined>(jobIds.map((id) => [id, undefined]));
    const items = await batchGetAll<MarkerItem>(
      this.documentClient,
      this.tableName,
      [...markers.keys()].map(markerKey),
      { consistent: true },
      {
        rounds: DEFAULT_CONFLICT_ROUNDS,
        exhausted: (chunk, rounds) => new JobContentionError(jobIdOf(chunk[0]!), rounds),
      },
    );
    for (const item of items)
      markers.set(jobIdOf(item), { type: item.type, version: item.version, status: item.status });
    return markers;
  }

  private transactItems(plan: CounterPlan): NonNullable<TransactWriteCommandInput['TransactItems']> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const markers = plan.markers.map(({ jobId, expectedVersion, next }) => ({
      Update: {
        TableName: this.tableName,
        Key: markerKey(jobId),
        UpdateExpression:
          'SET #type = :type, #version = :version, #status = :status' +
          (next.status === REMOVED ? ', expiresAt = :expiresAt' : ''),
        ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(#version)' : '#version = :expected',
        ExpressionAttributeNames: { '#type': 'type', '#version': 'version', '#status': 'status' },
        ExpressionAttributeValues: {
          ':type': next.type,
          ':version': next.version,
          ':status': next.status,
          ...(next.status === REMOVED ? { ':expiresAt': nowSeconds + REMOVED_MARKER_RETENTION_SECONDS } : {}),
          ...(expectedVersion === undefined ? {} : { ':expected': expectedVersion }),
        },
      },
    }));
    const counts = plan.counts.map(({ type, status, delta }) => ({
      Update: {
        TableName: this.tableName,
        Key: { pk: COUNTS_PARTITION, sk: `${type}#${status}` },
        UpdateExpression: 'ADD #count :delta SET #type = :type, #status = :status',
        ExpressionAttributeNames: { '#count': 'count', '#type': 'type', '#status': 'status' },
        ExpressionAttributeValues: { ':delta': delta, ':type': type, ':status': status },
      },
    }));
    const minutes = plan.minutes.map((minute) => {
      const added: Record<string, number> = {
        ...(minute.submitted ? { submitted: minute.submitted } : {}),
        ...(minute.completed ? { completed: minute.completed } : {}),
        ...(minute.failed ? { failed: minute.failed } : {}),
      };
      for (const [bucket, n] of Object.entries(minute.buckets)) added[`b${bucket}`] = n;
      const names = Object.keys(added);
      const expiresAt = Math.floor(Date.parse(`${minute.minute}:00Z`) / 1000) + 60 + this.minuteRetentionSeconds;
      return {
        Update: {
          TableName: this.tableName,
          Key: { pk: minutePartition(minute.type), sk: minute.minute },
          UpdateExpression: `ADD ${names.map((name, i) => `#a${i} :a${i}`).join(', ')} SET #type = :type, #minute = :minute, expiresAt = :expiresAt`,
          ExpressionAttributeNames: {
            ...Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
            '#type': 'type',
            '#minute': 'minute',
          },
          ExpressionAttributeValues: {
            ...Object.fromEntries(names.map((name, i) => [`:a${i}`, added[name]])),
            ':type': minute.type,
            ':minute': minute.minute,
            ':expiresAt': expiresAt,
          },
        },
      };
    });
    return [...markers, ...counts, ...minutes];
  }
}

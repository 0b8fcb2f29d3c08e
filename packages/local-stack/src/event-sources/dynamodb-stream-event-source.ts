import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  TrimmedDataAccessException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type DynamoDBStreamsClient,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { createHash, randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import { LambdaThrottledError, type LocalFunction } from '../lambda/lambda-function';
import { parseBatchItemFailures } from './batch-item-failures';
import { sleep } from './sleep';
import { SHARD_FINISHED, type MappingPositions } from './stream-positions';

export interface DynamoDbStreamEventSourceOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  tableName: string;
  fn: LocalFunction;
  region: string;
  batchSize: number;
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
  maximumBatchingWindowSeconds: number;
  /** -1 = retry until the record expires (Lambda's default). Throttled invocations do not count, as on Lambda. */
  maximumRetryAttempts: number;
  reportBatchItemFailures: boolean;
  /**
   * The mapping's ParallelizationFactor, 1–10: batches of one shard in flight at once. Records of
   * one item (same keys) always share a batch sequence, so each item's changes stay in order.
   * Default 1 (one batch per shard at a time).
   */
  parallelizationFactor?: number;
  /** How often an idle shard is polled; Lambda polls 4 times per second. */
  pollIntervalMs: number;
  log: (line: string) => void;
  /** Saved positions (a restart with a data directory): resume after them instead of at startingPosition. */
  positions?: MappingPositions;
  /**
   * The mapping's DestinationConfig.OnFailure: receives the invocation record of every batch given
   * up on after its retries, as Lambda sends it to an SQS destination. Default: records are dropped.
   */
  onFailure?: (record: StreamFailureRecord) => Promise<void>;
}

/**
 * What Lambda sends to a stream mapping's on-failure destination when it discards records: the
 * failed invocation's metadata and where the records sit in the stream (not the records
 * themselves, which a consumer reads from the stream with the sequence numbers while retained).
 * The shape of AWS's "Retaining discarded batch records for a DynamoDB event source" example.
 */
export interface StreamFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

const SHARD_DISCOVERY_INTERVAL_MS = 5000;

/** One of a shard's ParallelizationFactor lanes: its records, fetched and not yet done with, in stream order. */
interface Lane {
  pending: StreamRecord[];
  windowEnds?: number;
  delivering?: Promise<void>;
}

/**
 * A shard's position with batches in flight side by side: the last record such that it and every
 * record before it are done with (delivered or given up on). A restart resumes after it, so a
 * record done out of order by a faster lane is delivered again rather than skipped.
 */
class ShardCheckpoint {
  private readonly order: string[] = [];
  private readonly done = new Set<string>();

  fetched(sequenceNumber: string): void {
    this.order.push(sequenceNumber);
  }

  /** Marks records done; the new position when it moved. */
  complete(sequenceNumbers: readonly string[]): string | undefined {
    for (const sequenceNumber of sequenceNumbers) this.done.add(sequenceNumber);
    let position: string | undefined;
    while (this.order.length > 0 && this.done.has(this.order[0]!)) {
      position = this.order.shift()!;
      this.done.delete(position);
    }
    return position;
  }
}

/** The lane of an item's records: a hash of its keys (partition and sort key), as Lambda keeps per-item order. */
function laneOf(record: StreamRecord, lanes: number): number {
  if (lanes === 1) return 0;
  const keys = record.dynamodb?.Keys ?? {};
  const canonical = JSON.stringify(
    Object.keys(keys)
      .sort()
      .map((name) => [name, keys[name]]),
  );
  return createHash('sha256').update(canonical).digest().readUInt32BE(0) % lanes;
}

/**
 * Lambda's DynamoDB Streams event source mapping: one reader per shard, delivering up to
 * ParallelizationFactor batches of it at once (one by default), each item's records in order; a
 * failed batch is retried (from the first reported failure with ReportBatchItemFailures) before
 * anything later of its lane is delivered.
 */
export class DynamoDbStreamEventSource {
  private readonly abort = new AbortController();
  private readonly readers = new Map<string, Promise<void>>();
  private discovery?: Promise<void>;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: DynamoDbStreamEventSourceOptions) {}

  /** Resolves once the shards that exist now have their iterators (so later writes are seen, even with LATEST). */
  async start(): Promise<void> {
    const shards = await this.describeShards();
    const resumed = this.options.positions?.resumed;
    // Resuming: every shard after its saved position, and from its beginning when nothing of it
    // was delivered yet (the stream was read from the start of this data directory's table).
    const started = shards
      .filter((shard) =>
        resumed
          ? resumed[shard.ShardId!] !== SHARD_FINISHED
          : this.options.startingPosition === 'TRIM_HORIZON' || !shard.SequenceNumberRange?.EndingSequenceNumber,
      )
      .map((shard) =>
        resumed
          ? this.startReader(shard, 'TRIM_HORIZON', resumed[shard.ShardId!])
          : this.startReader(shard, this.options.startingPosition),
      );
    await Promise.all(started);
    for (const shard of shards)
      if (!this.readers.has(shard.ShardId!)) this.readers.set(shard.ShardId!, Promise.resolve());
    this.discovery = this.discoverShards();
  }

  async stop(graceMs = 2000): Promise<void> {
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const everything = Promise.all(
      [...this.readers.values(), this.discovery, ...this.inFlight].map((p) => p?.catch(() => {})),
    );
    await Promise.race([everything, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let ExclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.options.client.send(
        new DescribeStreamCommand({ StreamArn: this.options.streamArn, ExclusiveStartShardId }),
        { abortSignal: this.abort.signal },
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      ExclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (ExclusiveStartShardId);
    return shards;
  }

  /** Shards roll over; new ones (children of the ones we read) are read from their beginning. */
  private async discoverShards(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await sleep(SHARD_DISCOVERY_INTERVAL_MS, signal);
      if (signal.aborted) return;
      try {
        for (const shard of await this.describeShards()) {
          if (!this.readers.has(shard.ShardId!)) await this.startReader(shard, 'TRIM_HORIZON');
        }
      } catch (error) {
        if (!signal.aborted) this.options.log(`Stream of ${this.options.tableName}: ${(error as Error).message}`);
      }
    }
  }

  /** Reads a shard from `position`, or after `lastDelivered` when given. */
  private async startReader(shard: Shard, position: ShardIteratorType, lastDelivered?: string): Promise<void> {
    const shardId = shard.ShardId!;
    const iterator = lastDelivered
      ? await this.resumeIterator(shardId, lastDelivered)
      : await this.getIterator(shardId, position);
    const parent = shard.ParentShardId ? this.readers.get(shard.ParentShardId) : undefined;
    // Records of a child shard come after its parent's: finish the parent first.
    this.readers.set(
      shardId,
      (parent ?? Promise.resolve()).then(() => this.readShard(shardId, iterator)),
    );
  }

  private async getIterator(
    shardId: string,
    type: ShardIteratorType,
    sequenceNumber?: string,
  ): Promise<string | undefined> {
    const { ShardIterator } = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        SequenceNumber: sequenceNumber,
      }),
      { abortSignal: this.abort.signal },
    );
    return ShardIterator;
  }

  /** An iterator after `lastSequence`, falling back to the oldest record kept when that one is trimmed too. */
  private async resumeIterator(shardId: string, lastSequence: string | undefined): Promise<string | undefined> {
    if (lastSequence) {
      try {
        return await this.getIterator(shardId, 'AFTER_SEQUENCE_NUMBER', lastSequence);
      } catch (error) {
        if (!(error instanceof TrimmedDataAccessException)) throw error;
      }
    }
    return this.getIterator(shardId, 'TRIM_HORIZON');
  }

  private async readShard(shardId: string, firstIterator: string | undefined): Promise<void> {
    const { client, batchSize, pollIntervalMs, maximumBatchingWindowSeconds, log, tableName } = this.options;
    const factor = this.options.parallelizationFactor ?? 1;
    const signal = this.abort.signal;
    let iterator = firstIterator;
    let lastFetchedSequence: string | undefined;
    const lanes: Lane[] = Array.from({ length: factor }, () => ({ pending: [] }));
    const checkpoint = new ShardCheckpoint();
    const buffered = () => lanes.reduce((count, lane) => count + lane.pending.length, 0);
    const delivering = () => lanes.flatMap((lane) => (lane.delivering ? [lane.delivering] : []));
    while (!signal.aborted && (iterator || buffered() > 0 || delivering().length > 0)) {
      try {
        let fetched = 0;
        if (iterator && buffered() < batchSize * factor) {
          try {
            const { Records = [], NextShardIterator } = await client.send(
              new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
              { abortSignal: signal },
            );
            for (const record of Records) {
              lanes[laneOf(record, factor)]!.pending.push(record);
              checkpoint.fetched(record.dynamodb?.SequenceNumber ?? '');
            }
            fetched = Records.length;
            if (Records.length) lastFetchedSequence = Records.at(-1)!.dynamodb?.SequenceNumber;
            iterator = NextShardIterator; // undefined: the shard is closed and fully read
          } catch (error) {
            if (!(error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException))
              throw error;
            // Iterators expire after 15 minutes, and DynamoDB Local now and then calls a fresh
            // iterator trimmed: continue after the last record seen, or from the oldest one kept.
            iterator = await this.resumeIterator(shardId, lastFetchedSequence);
          }
        }
        const now = Date.now();
        for (const lane of lanes) {
          if (lane.delivering || lane.pending.length === 0) continue;
          lane.windowEnds ??= now + maximumBatchingWindowSeconds * 1000;
          if (lane.pending.length < batchSize && now < lane.windowEnds && iterator) continue;
          lane.windowEnds = undefined;
          lane.delivering = this.deliverLane(shardId, lane, checkpoint, signal)
            .catch((error: unknown) => log(`Stream reader of ${tableName} (${shardId}): ${(error as Error).message}`))
            .finally(() => {
              lane.delivering = undefined;
            });
        }
        // Straight on while records keep coming and there is room for them; else the next poll or
        // the end of a batch in flight, whichever is first.
        if (fetched === 0 || buffered() >= batchSize * factor) {
          await sleep(pollIntervalMs, signal, delivering());
        }
      } catch (error) {
        if (signal.aborted) break;
        log(`Stream reader of ${tableName} (${shardId}): ${(error as Error).message}`);
        await sleep(1000, signal);
      }
    }
    await Promise.all(delivering());
    if (!signal.aborted) this.options.positions?.save(shardId, SHARD_FINISHED);
  }

  /** Delivers the lane's next batch; the shard's position moves past what is now done with. */
  private async deliverLane(
    shardId: string,
    lane: Lane,
    checkpoint: ShardCheckpoint,
    signal: AbortSignal,
  ): Promise<void> {
    const done = await this.deliver(shardId, lane.pending, signal);
    const position = checkpoint.complete(done.map((record) => record.dynamodb?.SequenceNumber ?? ''));
    if (position) this.options.positions?.save(shardId, position);
  }

  /**
   * Invokes with the first batch of pending records, retrying per the mapping's rules; removes what
   * is done from the front (records may be appended meanwhile) and returns those records.
   */
  private async deliver(shardId: string, pending: StreamRecord[], signal: AbortSignal): Promise<StreamRecord[]> {
    const { fn, batchSize, maximumRetryAttempts, reportBatchItemFailures, log } = this.options;
    let throttles = 0;
    const removed: StreamRecord[] = [];
    for (let attempt = 0; !signal.aborted; attempt++) {
      const batch = pending.slice(0, batchSize);
      let firstFailed = 0; // index of the first record to retry
      let functionError: string | undefined;
      try {
        const invocation = fn.invoke({ Records: batch.map((record) => this.toLambdaRecord(record)) });
        this.inFlight.add(invocation);
        const result = await invocation.finally(() => this.inFlight.delete(invocation));
        if (!reportBatchItemFailures) firstFailed = batch.length;
        else {
          const failed = parseBatchItemFailures(result);
          const sequenceNumbers = batch.map((r) => r.dynamodb?.SequenceNumber);
          const indexes = failed?.map((id) => sequenceNumbers.indexOf(id));
          if (!indexes || indexes.includes(-1))
            log(`${fn.logicalId}: invalid batchItemFailures response, retrying the whole batch`);
          else firstFailed = indexes.length ? Math.min(...indexes) : batch.length;
        }
      } catch (error) {
        if (error instanceof LambdaThrottledError) {
          // Lambda retries a throttled batch until its records expire, without using up retry attempts.
          if (throttles === 0) log(`${fn.logicalId} throttled on ${batch.length} stream record(s): retrying`);
          await sleep(Math.min(100 * 2 ** throttles++, 2000), signal);
          attempt--;
          continue;
        }
        log(`${fn.logicalId} failed on ${batch.length} stream record(s): ${(error as Error).message}`);
        functionError = 'Unhandled';
      }
      throttles = 0;
      removed.push(...pending.splice(0, firstFailed));
      if (firstFailed === batch.length) return removed;
      if (maximumRetryAttempts >= 0 && attempt >= maximumRetryAttempts) {
        log(
          `${fn.logicalId}: giving up on ${batch.length - firstFailed} stream record(s) after ${attempt + 1} attempt(s)`,
        );
        removed.push(...pending.splice(0, batch.length - firstFailed));
        await this.reportFailure(shardId, batch.slice(firstFailed), attempt + 1, functionError);
        return removed;
      }
      await sleep(Math.min(100 * 2 ** attempt, 5000), signal); // short backoff before the retry
    }
    return removed;
  }

  /** Sends the discarded records' invocation record to the on-failure destination; a failure to send is logged. */
  private async reportFailure(
    shardId: string,
    discarded: StreamRecord[],
    invokeCount: number,
    functionError: string | undefined,
  ): Promise<void> {
    const { onFailure, fn, streamArn, log } = this.options;
    if (!onFailure || discarded.length === 0) return;
    const arrival = (record: StreamRecord | undefined) => {
      const created = record?.dynamodb?.ApproximateCreationDateTime;
      return (created instanceof Date ? created : new Date()).toISOString();
    };
    try {
      await onFailure({
        requestContext: {
          requestId: randomUUID(),
          functionArn: fn.functionArn,
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: invokeCount,
        },
        responseContext: {
          statusCode: 200,
          executedVersion: '$LATEST',
          ...(functionError ? { functionError } : {}),
        },
        version: '1.0',
        timestamp: new Date().toISOString(),
        DDBStreamBatchInfo: {
          shardId,
          startSequenceNumber: discarded[0]?.dynamodb?.SequenceNumber ?? '',
          endSequenceNumber: discarded.at(-1)?.dynamodb?.SequenceNumber ?? '',
          approximateArrivalOfFirstRecord: arrival(discarded[0]),
          approximateArrivalOfLastRecord: arrival(discarded.at(-1)),
          batchSize: discarded.length,
          streamArn,
        },
      });
    } catch (error) {
      log(`${fn.logicalId}: sending the on-failure record failed: ${(error as Error).message}`);
    }
  }

  /** The record shape Lambda hands to stream-triggered functions (images stay raw AttributeValue JSON). */
  private toLambdaRecord(record: StreamRecord): DynamoDBRecord {
    const data = record.dynamodb ?? {};
    const created = data.ApproximateCreationDateTime;
    return {
      eventID: record.eventID,
      eventName: record.eventName as DynamoDBRecord['eventName'],
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.options.region,
      eventSourceARN: this.options.streamArn,
      dynamodb: toJson({
        ApproximateCreationDateTime:
          created instanceof Date ? Math.floor(created.getTime() / 1000) : (created as number | undefined),
        Keys: data.Keys,
        NewImage: data.NewImage,
        OldImage: data.OldImage,
        SequenceNumber: data.SequenceNumber,
        SizeBytes: data.SizeBytes,
        StreamViewType: data.StreamViewType,
      }) as DynamoDBRecord['dynamodb'],
      ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
    };
  }
}

/** SDK attribute values hold binary as Uint8Array; Lambda events carry base64 strings. Drops undefined images. */
function toJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toJson(v)]),
    );
  }
  return value;
}

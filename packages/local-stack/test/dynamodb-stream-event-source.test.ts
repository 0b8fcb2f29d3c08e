/** Retry rules of the DynamoDB stream mapping, with a scripted stream and function (no emulators). */
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type DynamoDBStreamsClient,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import {
  DynamoDbStreamEventSource,
  type DynamoDbStreamEventSourceOptions,
  type StreamFailureRecord,
} from '../src/event-sources/dynamodb-stream-event-source';
import type { LocalFunction } from '../src/lambda/lambda-function';
import { eventually } from './helpers';

/** A one-shard stream holding records with sequence numbers 1…6; `trimmedIterators` are refused as trimmed. */
function scriptedStream(trimmedIterators: string[] = [], iteratorRequests: string[] = []): DynamoDBStreamsClient {
  let delivered = false;
  const send = async (command: unknown) => {
    if (command instanceof DescribeStreamCommand) return { StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } };
    if (command instanceof GetShardIteratorCommand) {
      const type = command.input.ShardIteratorType ?? '';
      iteratorRequests.push(type);
      return { ShardIterator: iteratorRequests.length === 1 ? 'iterator-0' : `iterator-${type}` };
    }
    if (command instanceof GetRecordsCommand) {
      if (trimmedIterators.includes(command.input.ShardIterator ?? '')) {
        throw new TrimmedDataAccessException({
          message: 'The operation attempted to read past the oldest stream record in a shard.',
          $metadata: {},
        });
      }
      const records = delivered
        ? []
        : [1, 2, 3, 4, 5, 6].map((n) => ({
            eventID: `e${n}`,
            eventName: 'INSERT',
            dynamodb: {
              SequenceNumber: String(n),
              Keys: { id: { S: `id-${n}` } },
              ApproximateCreationDateTime: new Date(),
              StreamViewType: 'KEYS_ONLY',
            },
          }));
      delivered = true;
      return { Records: records, NextShardIterator: 'iterator-1' };
    }
    throw new Error(`unexpected ${String(command)}`);
  };
  return { send } as unknown as DynamoDBStreamsClient;
}

/** The mapping settings every test shares: no batching window, retries until the records expire. */
const MAPPING = {
  streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/x',
  tableName: 'T',
  region: 'us-east-1',
  maximumBatchingWindowSeconds: 0,
  maximumRetryAttempts: -1,
  reportBatchItemFailures: false,
  pollIntervalMs: 10,
  log: () => {},
} satisfies Partial<DynamoDbStreamEventSourceOptions>;

/** Runs a mapping whose function answers with respond(batch, call); returns the sequence numbers of each call. */
async function run(
  options: Partial<DynamoDbStreamEventSourceOptions>,
  respond: (sequenceNumbers: string[], call: number) => unknown,
  expectedCalls: number,
) {
  const calls: string[][] = [];
  const fn = {
    logicalId: 'Fn',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn',
    invoke: async (event: DynamoDBStreamEvent) => {
      const sequenceNumbers = event.Records.map((r) => r.dynamodb!.SequenceNumber!);
      calls.push(sequenceNumbers);
      return respond(sequenceNumbers, calls.length);
    },
  } as unknown as LocalFunction;
  const source = new DynamoDbStreamEventSource({
    ...MAPPING,
    client: scriptedStream(),
    fn,
    batchSize: 10,
    startingPosition: 'TRIM_HORIZON',
    ...options,
  });
  await source.start();
  try {
    await eventually(async () => calls.length >= expectedCalls, 10_000, `${expectedCalls} invocations`);
    await new Promise((resolve) => setTimeout(resolve, 300)); // no further invocations expected
  } finally {
    await source.stop();
  }
  return calls;
}

it('retries from the first reported failure with ReportBatchItemFailures', async () => {
  const calls = await run(
    { reportBatchItemFailures: true },
    (_, call) =>
      call === 1
        ? { batchItemFailures: [{ itemIdentifier: '5' }, { itemIdentifier: '4' }] }
        : { batchItemFailures: [] },
    2,
  );
  expect(calls).toEqual([
    ['1', '2', '3', '4', '5', '6'],
    ['4', '5', '6'],
  ]);
});

it('retries a failed batch whole, then skips it after MaximumRetryAttempts, keeping order', async () => {
  const calls = await run(
    { batchSize: 3, maximumRetryAttempts: 1 },
    (sequenceNumbers) => {
      if (sequenceNumbers.includes('1')) throw new Error('poison');
      return null;
    },
    3,
  );
  expect(calls).toEqual([
    ['1', '2', '3'],
    ['1', '2', '3'],
    ['4', '5', '6'],
  ]);
});

it('treats an unknown itemIdentifier as a failure of the whole batch', async () => {
  const calls = await run(
    { reportBatchItemFailures: true },
    (_, call) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : null),
    2,
  );
  expect(calls).toEqual([
    ['1', '2', '3', '4', '5', '6'],
    ['1', '2', '3', '4', '5', '6'],
  ]);
});

it('recovers from an iterator DynamoDB Local calls trimmed by reading from the oldest record kept', async () => {
  const iteratorRequests: string[] = [];
  const calls: string[][] = [];
  const fn = {
    logicalId: 'Fn',
    invoke: async (event: DynamoDBStreamEvent) => {
      calls.push(event.Records.map((r) => r.dynamodb!.SequenceNumber!));
      return {};
    },
  } as unknown as LocalFunction;
  const source = new DynamoDbStreamEventSource({
    client: scriptedStream(['iterator-0'], iteratorRequests),
    streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/x',
    tableName: 'T',
    fn,
    region: 'us-east-1',
    batchSize: 10,
    startingPosition: 'LATEST',
    maximumBatchingWindowSeconds: 0,
    maximumRetryAttempts: -1,
    reportBatchItemFailures: false,
    pollIntervalMs: 10,
    log: () => {},
  });
  await source.start();
  try {
    await eventually(async () => calls.length >= 1, 10_000, 'one invocation');
  } finally {
    await source.stop();
  }
  expect(iteratorRequests).toEqual(['LATEST', 'TRIM_HORIZON']);
  expect(calls[0]).toEqual(['1', '2', '3', '4', '5', '6']);
});

it('sends the invocation record of a batch it gives up on to the on-failure destination, as Lambda does', async () => {
  const failures: StreamFailureRecord[] = [];
  const calls = await run(
    {
      batchSize: 3,
      maximumRetryAttempts: 1,
      onFailure: async (record) => {
        failures.push(record);
      },
    },
    (sequenceNumbers) => {
      if (sequenceNumbers.includes('1')) throw new Error('poison');
      return null;
    },
    3,
  );
  expect(calls).toHaveLength(3);
  expect(failures).toEqual([
    {
      requestContext: {
        requestId: expect.any(String),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 2,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.any(String),
      DDBStreamBatchInfo: {
        shardId: 'shard-1',
        startSequenceNumber: '1',
        endSequenceNumber: '3',
        approximateArrivalOfFirstRecord: expect.any(String),
        approximateArrivalOfLastRecord: expect.any(String),
        batchSize: 3,
        streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/x',
      },
    },
  ]);
});

it('reports only the records from the first reported failure on (the ones before it succeeded)', async () => {
  const failures: StreamFailureRecord[] = [];
  await run(
    {
      reportBatchItemFailures: true,
      maximumRetryAttempts: 0,
      onFailure: async (record) => {
        failures.push(record);
      },
    },
    () => ({ batchItemFailures: [{ itemIdentifier: '5' }] }),
    1,
  );
  expect(failures.map((f) => f.DDBStreamBatchInfo)).toEqual([
    expect.objectContaining({ startSequenceNumber: '5', endSequenceNumber: '6', batchSize: 2 }),
  ]);
  expect(failures[0]?.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
});

describe('ParallelizationFactor', () => {
  /** One shard holding one record per entry of `items` (an item id each), sequence numbers 1, 2, … */
  function streamOfItems(items: string[]): DynamoDBStreamsClient {
    let delivered = false;
    const send = async (command: unknown) => {
      if (command instanceof DescribeStreamCommand) return { StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } };
      if (command instanceof GetShardIteratorCommand) return { ShardIterator: 'iterator-0' };
      if (command instanceof GetRecordsCommand) {
        const records = delivered
          ? []
          : items.map((id, n) => ({
              eventID: `e${n + 1}`,
              eventName: 'MODIFY',
              dynamodb: { SequenceNumber: String(n + 1), Keys: { id: { S: id } }, StreamViewType: 'KEYS_ONLY' },
            }));
        delivered = true;
        return { Records: records, NextShardIterator: 'iterator-1' };
      }
      throw new Error(`unexpected ${String(command)}`);
    };
    return { send } as unknown as DynamoDBStreamsClient;
  }

  interface Invocation {
    records: { sequenceNumber: string; id: string }[];
    finish: (result?: unknown) => void;
  }

  /** A mapping whose function holds every invocation until the test finishes it. */
  async function heldMapping(items: string[], options: Partial<DynamoDbStreamEventSourceOptions>) {
    const open: Invocation[] = [];
    const finished: Invocation[] = [];
    let peak = 0;
    const fn = {
      logicalId: 'Fn',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn',
      invoke: (event: DynamoDBStreamEvent) =>
        new Promise((resolve) => {
          const invocation: Invocation = {
            records: event.Records.map((r) => ({
              sequenceNumber: r.dynamodb!.SequenceNumber!,
              id: (r.dynamodb!.Keys as { id: { S: string } }).id.S,
            })),
            finish: (result) => {
              open.splice(open.indexOf(invocation), 1);
              finished.push(invocation);
              resolve(result ?? null);
            },
          };
          open.push(invocation);
          peak = Math.max(peak, open.length);
        }),
    } as unknown as LocalFunction;
    const saved: string[] = [];
    const source = new DynamoDbStreamEventSource({
      ...MAPPING,
      client: streamOfItems(items),
      fn,
      batchSize: 1,
      startingPosition: 'TRIM_HORIZON',
      positions: { resumed: undefined, save: (_, position) => saved.push(position) },
      ...options,
    });
    await source.start();
    return { open, finished, saved, peak: () => peak, stop: () => source.stop() };
  }

  it('delivers up to that many batches of one shard at once, each item’s records in order and one batch at a time', async () => {
    // Four items, three changes each, interleaved as writes to a table would be.
    const items = Array.from({ length: 12 }, (_, n) => `item-${n % 4}`);
    const mapping = await heldMapping(items, { parallelizationFactor: 3 });
    try {
      while (mapping.finished.length < items.length) {
        await eventually(async () => mapping.open.length > 0, 5_000, 'an invocation');
        // Let the reader start whatever else it may before finishing the oldest one.
        await new Promise((resolve) => setTimeout(resolve, 30));
        const ids = mapping.open.flatMap((invocation) => invocation.records.map((record) => record.id));
        expect(new Set(ids).size).toBe(ids.length); // never one item in two batches in flight
        mapping.open[0]!.finish();
      }
    } finally {
      await mapping.stop();
    }
    expect(mapping.peak()).toBe(3);
    const delivered = mapping.finished.flatMap((invocation) => invocation.records);
    expect(delivered.map((record) => record.sequenceNumber).sort((a, b) => Number(a) - Number(b))).toEqual(
      items.map((_, n) => String(n + 1)),
    );
    for (const id of new Set(items)) {
      const ofItem = delivered.filter((record) => record.id === id).map((record) => Number(record.sequenceNumber));
      expect(ofItem).toEqual([...ofItem].sort((a, b) => a - b));
    }
  });

  it('is one batch at a time by default', async () => {
    const mapping = await heldMapping(['a', 'b', 'c', 'd'], {});
    try {
      while (mapping.finished.length < 4) {
        await eventually(async () => mapping.open.length > 0, 5_000, 'an invocation');
        await new Promise((resolve) => setTimeout(resolve, 30));
        mapping.open[0]!.finish();
      }
    } finally {
      await mapping.stop();
    }
    expect(mapping.peak()).toBe(1);
    expect(mapping.finished.map((invocation) => invocation.records[0]!.sequenceNumber)).toEqual(['1', '2', '3', '4']);
  });

  it('saves the shard’s position only past records that are all done, whichever batch finished first', async () => {
    const items = ['slow', 'fast-1', 'fast-2', 'fast-3', 'fast-4', 'fast-5'];
    const mapping = await heldMapping(items, { parallelizationFactor: 10 });
    const finishOthers = () => {
      for (const invocation of mapping.open.filter((i) => i.records[0]!.id !== 'slow')) invocation.finish();
    };
    try {
      await eventually(async () => mapping.open.some((i) => i.records[0]!.id === 'slow'), 5_000, 'the slow batch');
      // Later records finish while record 1 is still in flight (the ones in its lane wait behind it).
      for (let round = 0; round < 10; round++) {
        finishOthers();
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      expect(mapping.finished.length).toBeGreaterThan(0);
      // Nothing after record 1 counts as done for a restart until record 1 is.
      expect(mapping.saved).toEqual([]);
      mapping.open.find((i) => i.records[0]!.id === 'slow')!.finish();
      await eventually(
        async () => {
          finishOthers();
          return mapping.finished.length === items.length;
        },
        5_000,
        'every batch',
      );
      await eventually(async () => mapping.saved.at(-1) === '6', 5_000, 'the position after record 6');
    } finally {
      await mapping.stop();
    }
    expect(mapping.saved.map(Number)).toEqual([...mapping.saved.map(Number)].sort((x, y) => x - y));
  });
});

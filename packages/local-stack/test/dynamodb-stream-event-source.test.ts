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
    client: scriptedStream(),
    streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/x',
    tableName: 'T',
    fn,
    region: 'us-east-1',
    batchSize: 10,
    startingPosition: 'TRIM_HORIZON',
    maximumBatchingWindowSeconds: 0,
    maximumRetryAttempts: -1,
    reportBatchItemFailures: false,
    pollIntervalMs: 10,
    log: () => {},
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

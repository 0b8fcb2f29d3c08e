/**
 * A DynamoDB stream mapping with a positions file (a local stack with a data directory) resumes
 * after a restart where it was: it neither skips what was written but not yet delivered (LATEST
 * again would) nor delivers everything again (TRIM_HORIZON would). Against DynamoDB Local.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createDynamoDbClient, createDynamoDbStreamsClient } from '../src/emulators/aws-clients';
import { DynamoDbStreamEventSource } from '../src/event-sources/dynamodb-stream-event-source';
import { StreamPositionsFile } from '../src/event-sources/stream-positions';
import type { LocalFunction } from '../src/lambda/lambda-function';
import { eventually } from './helpers';

const endpoints = {
  dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
  sqs: process.env.AWS_ENDPOINT_URL_SQS ?? '',
  region: process.env.AWS_REGION ?? 'us-east-1',
};
const tableName = `positions-${randomUUID().slice(0, 8)}`;
let db: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let streamArn: string;
let folder: string;

beforeAll(async () => {
  db = createDynamoDbClient(endpoints);
  streams = createDynamoDbStreamsClient(endpoints);
  const { TableDescription } = await db.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
    }),
  );
  streamArn = TableDescription!.LatestStreamArn!;
  folder = mkdtempSync(path.join(tmpdir(), 'stream-positions-'));
});

afterAll(async () => {
  await db.send(new DeleteTableCommand({ TableName: tableName }));
  db.destroy();
  streams.destroy();
  rmSync(folder, { recursive: true, force: true });
});

const put = (id: string) => db.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: id } } }));

/** A mapping (starting at LATEST, like the long-poll notifier's) that records the ids it is given. */
async function startMapping(file: string, seen: string[]): Promise<{ stop(): Promise<void> }> {
  const fn = {
    logicalId: 'Notifier',
    invoke: async (event: DynamoDBStreamEvent) => {
      for (const record of event.Records) seen.push(record.dynamodb!.Keys!.id!.S!);
      return {};
    },
  } as unknown as LocalFunction;
  const positions = new StreamPositionsFile(file);
  const source = new DynamoDbStreamEventSource({
    client: streams,
    streamArn,
    tableName,
    fn,
    region: endpoints.region,
    batchSize: 100,
    startingPosition: 'LATEST',
    maximumBatchingWindowSeconds: 0,
    maximumRetryAttempts: -1,
    reportBatchItemFailures: false,
    pollIntervalMs: 20,
    log: () => {},
    positions: positions.open('NotifierMapping', streamArn),
  });
  await source.start();
  return {
    async stop() {
      await source.stop();
      await positions.flush();
    },
  };
}

test('stopped and started again, the mapping delivers exactly the records it had not delivered', async () => {
  const file = path.join(folder, 'positions.json');
  const firstRun: string[] = [];
  const first = await startMapping(file, firstRun);
  await Promise.all(['a', 'b', 'c'].map(put));
  await eventually(async () => firstRun.length === 3, 15_000, 'the first three records');
  await first.stop();

  // Written while no mapping runs: what a kill leaves behind between a write and its delivery.
  await Promise.all(['d', 'e'].map(put));
  const secondRun: string[] = [];
  const second = await startMapping(file, secondRun);
  try {
    await eventually(async () => secondRun.length >= 2, 15_000, 'the two records written meanwhile');
    await new Promise((resolve) => setTimeout(resolve, 300)); // anything replayed would arrive now
    expect(firstRun.sort()).toEqual(['a', 'b', 'c']);
    expect(secondRun.sort()).toEqual(['d', 'e']);
  } finally {
    await second.stop();
  }
});

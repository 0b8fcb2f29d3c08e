/**
 * The raw emulator floor: the six SDK calls one job needs at least (put + send; receive +
 * conditional claim + conditional complete + delete), made straight at the same DynamoDB Local and
 * fauxqs by C concurrent loops, on a copy of the jobs table (same keys, indexes and stream) and a
 * fresh queue, with items the size of a real completed job.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export async function measureEmulatorFloor(options: {
  jobs: number;
  clients: number;
  dynamodb: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
  /** The table whose shape the copy takes. */
  jobsTable: string;
  /** A real job whose item the floor's items copy. */
  sampleJobId: string;
}): Promise<{ jobsPerSecond: number }> {
  const { dynamodb, documentClient, sqs } = options;
  const { Table: source } = await dynamodb.send(new DescribeTableCommand({ TableName: options.jobsTable }));
  if (!source) throw new Error(`no table ${options.jobsTable}`);
  const tableName = `bench-floor-${Date.now()}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: source.KeySchema,
      AttributeDefinitions: source.AttributeDefinitions,
      GlobalSecondaryIndexes: source.GlobalSecondaryIndexes?.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: index.Projection,
      })),
      StreamSpecification: source.StreamSpecification,
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: tableName });
  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: tableName }));
  const { Item: sample } = await documentClient.send(
    new GetCommand({ TableName: options.jobsTable, Key: { id: options.sampleJobId } }),
  );
  if (!sample || !queueUrl) throw new Error('floor set-up failed');

  /** The consumer's three calls: conditional claim, conditional complete, delete. */
  async function processMessage(message: Message): Promise<void> {
    const { id: jobId } = JSON.parse(message.Body ?? '{}') as { id: string };
    for (const [from, to, status] of [
      [1, 2, 'processing'],
      [2, 3, 'completed'],
    ] as const) {
      await documentClient.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id: jobId },
          UpdateExpression: 'SET #s = :status, version = :to, updatedAt = :now',
          ConditionExpression: 'version = :from',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':status': status, ':to': to, ':from': from, ':now': new Date().toISOString() },
        }),
      );
    }
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    completed++;
  }

  let submitted = 0;
  let completed = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (submitted < options.jobs) {
        submitted++;
        const id = randomUUID();
        const now = new Date().toISOString();
        await documentClient.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...sample, id, status: 'queued', version: 1, createdAt: now, updatedAt: now },
            ConditionExpression: 'attribute_not_exists(id)',
          }),
        );
        await sqs.send(
          new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ id, type: 'email' }) }),
        );
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
        );
        for (const message of Messages) await processMessage(message);
      }
    }),
  );
  // A loop's receive may have picked up another loop's message: drain what is left.
  while (completed < options.jobs) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) await processMessage(message);
  }
  const seconds = (performance.now() - startedAt) / 1000;
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  await dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
  return { jobsPerSecond: options.jobs / seconds };
}

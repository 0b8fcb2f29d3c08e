import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MiddlewareStack } from '@smithy/types';
import { createSqsClient } from '../../src/aws/aws-clients';

/** The jobs table the local stack provisioned from the synthesized template. */
export function localStackTableName(): string {
  const tables = JSON.parse(process.env.LOCAL_STACK_TABLES ?? '{}') as Record<string, { tableName: string }>;
  const [table] = Object.values(tables);
  if (!table) throw new Error('LOCAL_STACK_TABLES is not set: run through `npm test`');
  return table.tableName;
}

/**
 * The long-poll waiters table the local stack provisioned: a consumer imported in-process needs it,
 * since its saves wake the jobs' long polls.
 */
export function localStackWaitersTableName(): string {
  const tables = JSON.parse(process.env.LOCAL_STACK_TABLES ?? '{}') as Record<string, { tableName: string }>;
  const entry = Object.entries(tables).find(([logicalId]) => logicalId.startsWith('LongPollWaitersTable'));
  if (!entry) throw new Error('LOCAL_STACK_TABLES has no LongPollWaitersTable: run through `npm test`');
  return entry[1].tableName;
}

/** A fresh table with the jobs table's key, for tests that must not share rows. */
export async function createJobsTable(): Promise<string> {
  const client = new DynamoDBClient({});
  const tableName = `test-jobs-${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  return tableName;
}

/**
 * A fresh, empty table shaped like the local stack's table whose logical id starts with
 * `logicalIdPrefix` (keys and indexes as the template defines them), for tests that must not share rows.
 */
export async function copyOfLocalStackTable(logicalIdPrefix: string): Promise<string> {
  const tables = JSON.parse(process.env.LOCAL_STACK_TABLES ?? '{}') as Record<string, { tableName: string }>;
  const original = Object.entries(tables).find(([logicalId]) => logicalId.startsWith(logicalIdPrefix))?.[1];
  if (!original) throw new Error(`No ${logicalIdPrefix}* table in LOCAL_STACK_TABLES: run through \`npm test\``);
  const client = new DynamoDBClient({});
  const { Table } = await client.send(new DescribeTableCommand({ TableName: original.tableName }));
  const tableName = `test-${logicalIdPrefix}-${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: Table?.KeySchema,
      AttributeDefinitions: Table?.AttributeDefinitions,
      GlobalSecondaryIndexes: Table?.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({
        IndexName,
        KeySchema,
        Projection,
      })),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  return tableName;
}

/** A fresh queue (optionally with a DLQ) that no local-stack poller consumes. */
export async function createTestQueue(
  sqs: SQSClient = createSqsClient(),
  attributes: Record<string, string> = {},
): Promise<{ queueUrl: string; queueArn: string }> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `test-${randomUUID()}`,
      Attributes: { VisibilityTimeout: '30', ...attributes },
    }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { queueUrl: QueueUrl ?? '', queueArn: Attributes?.QueueArn ?? '' };
}

/**
 * Makes every call of `commandName` on `client` fail with an AWS-shaped error before it is sent:
 * the one place tests use a fake, to reproduce throttling the emulators cannot.
 */
export function injectFault<Input extends object, Output extends object>(
  client: { middlewareStack: MiddlewareStack<Input, Output> },
  commandName: string,
  error: { name: string; message: string; httpStatusCode?: number } = {
    name: 'ThrottlingException',
    message: 'Rate exceeded',
    httpStatusCode: 400,
  },
): () => void {
  const name = `injectFault-${randomUUID()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if ((context as { commandName?: string }).commandName === commandName) {
        throw Object.assign(new Error(error.message), {
          name: error.name,
          $fault: 'client',
          $metadata: { httpStatusCode: error.httpStatusCode ?? 400 },
        });
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return () => client.middlewareStack.remove(name);
}

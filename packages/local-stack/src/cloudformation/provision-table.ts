import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { IntrinsicResolver } from './intrinsics';
import type { CfnResource } from './template';

export interface LocalTable {
  tableName: string;
  tableArn: string;
  streamArn?: string;
}

type IndexProps = { IndexName: string; KeySchema: unknown; Projection: unknown; ProvisionedThroughput?: unknown };

/** The table properties the local stack passes on (same names in CloudFormation and the DynamoDB API). */
interface TableProps {
  TableName?: string;
  KeySchema?: unknown;
  AttributeDefinitions?: unknown;
  BillingMode?: string;
  ProvisionedThroughput?: unknown;
  GlobalSecondaryIndexes?: IndexProps[];
  LocalSecondaryIndexes?: IndexProps[];
  StreamSpecification?: { StreamViewType?: string };
  TimeToLiveSpecification?: { Enabled?: boolean; AttributeName?: string };
}

/**
 * Creates an AWS::DynamoDB::Table (or ::GlobalTable, which CDK's TableV2 emits) in DynamoDB Local.
 * Indexes go into CreateTable itself: an index added later by UpdateTable is CREATING for a
 * moment, and DynamoDB Local fails writes during that time.
 */
export async function provisionTable(
  client: DynamoDBClient,
  logicalId: string,
  resource: CfnResource,
  resolver: IntrinsicResolver,
): Promise<LocalTable> {
  const props = resolver.resolve(resource.Properties ?? {}) as TableProps;
  const tableName = props.TableName ?? logicalId;
  const provisioned = props.BillingMode === 'PROVISIONED' || (!props.BillingMode && props.ProvisionedThroughput);
  const defaultThroughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  const index = (i: IndexProps) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection,
    ...(provisioned ? { ProvisionedThroughput: i.ProvisionedThroughput ?? defaultThroughput } : {}),
  });
  const stream = props.StreamSpecification;
  const input = {
    TableName: tableName,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ProvisionedThroughput: provisioned ? (props.ProvisionedThroughput ?? defaultThroughput) : undefined,
    GlobalSecondaryIndexes: props.GlobalSecondaryIndexes?.map(index),
    LocalSecondaryIndexes: props.LocalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({
      IndexName,
      KeySchema,
      Projection,
    })),
    StreamSpecification: stream?.StreamViewType
      ? { StreamEnabled: true, StreamViewType: stream.StreamViewType }
      : undefined,
  } as CreateTableCommandInput;

  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    // Reused emulators may already hold the table from an earlier run: keep it.
    if (!(error instanceof ResourceInUseException)) {
      throw new Error(`Creating table ${tableName} (${logicalId}) failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const table = await waitUntilActive(client, tableName);

  const ttl = props.TimeToLiveSpecification;
  if (ttl?.Enabled && ttl.AttributeName) {
    await client
      .send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: ttl.AttributeName },
        }),
      )
      .catch((error: Error) => {
        if (!/already enabled/i.test(error.message)) throw error;
      });
  }
  return { tableName, tableArn: table.TableArn!, streamArn: table.LatestStreamArn };
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((gsi) => gsi.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return Table;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { FOLLOWED_UNTIL_ATTRIBUTE } from '../../src/aws/dynamodb-job-item';

/** The DynamoDB calls the adapters under src/aws make (BatchWriteItem only deletes subscriptions; BatchGetItem hydrates listing pages). */
export type TableAction =
  'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'Scan' | 'BatchWriteItem' | 'BatchGetItem';

export interface TableAccess {
  /** Item actions on the table itself. */
  readonly actions: readonly TableAction[];
  /** Indexes the function queries: by name, or `'*'` for a listing that picks its index per filter. */
  readonly queries?: readonly string[] | '*';
}

/**
 * Grants exactly the table calls a function makes, instead of grantReadWriteData's Scan,
 * BatchGetItem, BatchWriteItem, DeleteItem, DescribeTable …: one statement per table. Queries on
 * indexes are granted on those indexes only (all of them with `'*'`, acknowledged on the function).
 * With a customer-managed key, CustomerManagedEncryption grants the key use these actions need.
 */
export function grantTableAccess(grantee: IGrantable & IConstruct, table: ITable, access: TableAccess): void {
  const indexes = access.queries === '*' ? ['*'] : (access.queries ?? []);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [...new Set([...access.actions, ...(indexes.length ? ['Query'] : [])])].map((a) => `dynamodb:${a}`),
      resources: [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index}`)],
    }),
  );
  if (access.queries === '*') {
    const stack = Stack.of(table);
    const tableId = stack.resolve(stack.getLogicalId(table.node.defaultChild as CfnElement)) as string;
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
      reason: "Listings query whichever of the table's indexes fits the filter (by type, by status, …); Query only.",
    });
  }
}

/**
 * UpdateItem on the jobs table for a follower (a long poll, an event stream, a WebSocket
 * subscription) that marks jobs followed and changes nothing else: the condition lets the
 * request name only the key and the follow attribute, and return no values.
 */
export function grantFollowMark(grantee: IGrantable & IConstruct, table: ITable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['dynamodb:UpdateItem'],
      resources: [table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['id', FOLLOWED_UNTIL_ATTRIBUTE] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
      },
    }),
  );
}

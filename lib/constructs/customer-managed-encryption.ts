import { ArnFormat, Stack, type IAspect } from 'aws-cdk-lib';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnTopic } from 'aws-cdk-lib/aws-sns';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';

/** Table and queue actions that store data, and so need a data key; every other one only decrypts. */
const WRITES =
  /^(dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)|sqs:(SendMessage|SendMessageBatch))$/;
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = [...KEY_READ_ACTIONS, 'kms:Encrypt', 'kms:GenerateDataKey'];

/**
 * Puts every table, queue, topic and log group below the scope it is applied to under one
 * customer-managed KMS key, and lets each role use the key as far as its table and queue actions
 * need (Decrypt to read or receive, GenerateDataKey and Encrypt as well to write or send).
 * An aspect rather than a prop of each construct, so that no table or queue can be left out,
 * including those a user or a later feature adds to the platform.
 */
export class CustomerManagedEncryption implements IAspect {
  constructor(private readonly key: IKey) {}

  visit(node: IConstruct): void {
    if (node instanceof CfnTable) {
      node.sseSpecification = { sseEnabled: true, sseType: 'KMS', kmsMasterKeyId: this.key.keyArn };
    } else if (node instanceof CfnQueue) {
      node.kmsMasterKeyId = this.key.keyArn;
      node.sqsManagedSseEnabled = undefined; // SQS refuses both at once
    } else if (node instanceof CfnLogGroup) {
      node.kmsKeyId = this.key.keyArn;
    } else if (node instanceof CfnTopic) {
      node.kmsMasterKeyId = this.key.keyArn;
    } else if (node instanceof Policy) {
      const actions = dataActionsOf(node);
      if (actions.length === 0) return;
      node.addStatements(
        new PolicyStatement({
          actions: actions.some((action) => WRITES.test(action)) ? KEY_WRITE_ACTIONS : KEY_READ_ACTIONS,
          resources: [this.key.keyArn],
        }),
      );
    }
  }

  /**
   * CloudWatch Logs encrypts with the key itself, so the key policy must let it (for log groups of
   * this account and region only). A key imported into the stack keeps its own policy: add this
   * statement to it yourself.
   */
  static allowLogs(key: IKey, scope: IConstruct): void {
    const stack = Stack.of(scope);
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }

  /**
   * CloudWatch publishes alarms to the (encrypted) alarm topic itself, so the key policy must let
   * it generate and decrypt data keys, for alarms of this account only. An imported key needs this
   * statement added to its own policy.
   */
  static allowAlarms(key: IKey, scope: IConstruct): void {
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
    );
  }
}

/** The DynamoDB and SQS actions a policy allows. */
function dataActionsOf(policy: Policy): string[] {
  const document = Stack.of(policy).resolve(policy.document) as {
    Statement?: { Effect?: string; Action?: string | string[] }[];
  };
  return (document.Statement ?? [])
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => [statement.Action ?? []].flat())
    .filter((action) => action.startsWith('dynamodb:') || action.startsWith('sqs:'));
}

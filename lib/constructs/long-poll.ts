import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { INBOX_TAG_KEY } from '../../src/aws/sqs-waiter-inboxes';
import { JobFunction } from './job-function';

export interface LongPollProps {
  jobsTable: Table;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Customer-managed key the inboxes are created with. Default none: SSE-SQS. */
  encryptionKey?: IKey;
  /** Concurrent batches per stream shard for the notifier (1–10). Default 1. */
  readonly parallelizationFactor?: number;
}

/**
 * What wakes a long poll: a waiters table (who waits on which job, through which inbox), a
 * notifier fed by the jobs table's stream that sends to those inboxes, and a janitor that removes
 * inboxes of execution environments that went away. Inboxes are SQS queues named with a
 * stack-specific prefix and tagged with it when created; every permission on them needs both.
 */
export class LongPoll extends Construct {
  readonly waitersTable: Table;
  /** Open long polls per token (one item per token, each poll's slot with its expiry), so a cap holds across environments. */
  readonly slotsTable: Table;
  readonly inboxQueuePrefix: string;
  readonly notifier: JobFunction;
  private readonly encryptionKey: IKey | undefined;

  constructor(scope: Construct, id: string, props: LongPollProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.inboxQueuePrefix = `${stack.stackName}-inbox-`;
    this.encryptionKey = props.encryptionKey;
    this.waitersTable = new Table(this, 'WaitersTable', {
      partitionKey: { name: 'jobId', type: AttributeType.STRING },
      sortKey: { name: 'waiterId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Registrations live for seconds; nothing in this table is worth keeping.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.slotsTable = new Table(this, 'SlotsTable', {
      partitionKey: { name: 'holder', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Slots live for seconds; nothing in this table is worth keeping.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const common = { logRetention: props.logRetention, removalPolicy: props.removalPolicy };

    this.notifier = new JobFunction(this, 'Notifier', {
      ...common,
      entry: 'lambdas/streams/notify-waiters.ts',
      description: 'Wakes the long polls waiting on each changed job',
      timeout: Duration.seconds(30),
      environment: { WAITERS_TABLE_NAME: this.waitersTable.tableName },
    });
    // SqsNoticeSender: SendMessageBatch (authorised as sqs:SendMessage); the registry: Query.
    this.waitersTable.grant(this.notifier, 'dynamodb:Query');
    this.notifier.addToRolePolicy(this.onInboxes(['sqs:SendMessage']));
    this.acknowledgeInboxes(this.notifier);
    this.notifier.addEventSource(
      new DynamoEventSource(props.jobsTable, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
        retryAttempts: 5,
        bisectBatchOnError: true,
        parallelizationFactor: props.parallelizationFactor ?? 1,
      }),
    );

    const janitor = new JobFunction(this, 'InboxJanitor', {
      ...common,
      entry: 'lambdas/scheduled/remove-idle-inboxes.ts',
      description: 'Deletes long-poll inboxes whose execution environment went away',
      timeout: Duration.seconds(60),
      environment: { INBOX_QUEUE_PREFIX: this.inboxQueuePrefix },
    });
    janitor.addToRolePolicy(new PolicyStatement({ actions: ['sqs:ListQueues'], resources: ['*'] }));
    janitor.addToRolePolicy(this.onInboxes(['sqs:GetQueueAttributes', 'sqs:DeleteQueue']));
    this.acknowledgeInboxes(janitor);
    Validations.of(janitor).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'sqs:ListQueues takes no resource (the janitor lists by name prefix); X-Ray PutTraceSegments/PutTelemetryRecords take none either.',
    });
    new Rule(this, 'JanitorSchedule', {
      description: 'Remove idle long-poll inboxes',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [new LambdaFunction(janitor)],
    });
  }

  /** Lets a long-poll function register waiters, own inboxes and take slots (at most `perToken` per token). */
  grantWait(fn: JobFunction, perToken: number): void {
    this.slotsTable.grant(fn, 'dynamodb:UpdateItem', 'dynamodb:PutItem');
    fn.addEnvironment('LONG_POLL_SLOTS_TABLE_NAME', this.slotsTable.tableName);
    fn.addEnvironment('JOBS_LONG_POLLS_PER_TOKEN', String(perToken));
    // DynamoDbWaiterRegistry: register (PutItem) and deregister (DeleteItem), nothing else.
    this.waitersTable.grant(fn, 'dynamodb:PutItem', 'dynamodb:DeleteItem');
    // Creating a queue with tags needs sqs:TagQueue too; both are allowed only with this stack's tag in the request.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:CreateQueue', 'sqs:TagQueue'],
        resources: [this.inboxArns()],
        conditions: { StringEquals: { [`aws:RequestTag/${INBOX_TAG_KEY}`]: this.inboxQueuePrefix } },
      }),
    );
    // SqsWaiterInbox: ReceiveMessage (a received notice is left to the inbox's retention, never deleted); the pool's touch: SetQueueAttributes.
    fn.addToRolePolicy(this.onInboxes(['sqs:ReceiveMessage', 'sqs:SetQueueAttributes']));
    this.acknowledgeInboxes(fn);
    fn.addEnvironment('WAITERS_TABLE_NAME', this.waitersTable.tableName);
    fn.addEnvironment('INBOX_QUEUE_PREFIX', this.inboxQueuePrefix);
    if (this.encryptionKey) fn.addEnvironment('INBOX_KMS_KEY_ID', this.encryptionKey.keyArn);
  }

  /** Inbox actions, on queues with this stack's prefix that also carry its tag (set when the inbox was created). */
  private onInboxes(actions: string[]): PolicyStatement {
    return new PolicyStatement({
      actions,
      resources: [this.inboxArns()],
      conditions: { StringEquals: { [`aws:ResourceTag/${INBOX_TAG_KEY}`]: this.inboxQueuePrefix } },
    });
  }

  private acknowledgeInboxes(fn: JobFunction): void {
    Validations.of(fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${this.inboxQueuePrefix}*]`,
      reason:
        "Inboxes are created at run time with random names; the prefix and the inbox tag (a condition of every statement) limit access to this stack's inboxes.",
    });
  }

  /**
   * Lets a function that changes jobs wake their long polls itself, right after its write: it may
   * look up the job's waiters and send to their inboxes, as the stream notifier does.
   */
  grantWake(fn: JobFunction): void {
    // The registry's waitersOf (Query); SqsNoticeSender's SendMessageBatch (sqs:SendMessage), on tagged inboxes only.
    this.waitersTable.grant(fn, 'dynamodb:Query');
    fn.addToRolePolicy(this.onInboxes(['sqs:SendMessage']));
    this.acknowledgeInboxes(fn);
    fn.addEnvironment('WAITERS_TABLE_NAME', this.waitersTable.tableName);
  }

  private inboxArns(): string {
    return Stack.of(this).formatArn({ service: 'sqs', resource: `${this.inboxQueuePrefix}*` });
  }
}

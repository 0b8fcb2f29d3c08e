import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { JobFunction } from './job-function';

export interface LongPollProps {
  jobsTable: Table;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * What wakes a long poll: a waiters table (who waits on which job, through which inbox), a
 * notifier fed by the jobs table's stream that sends to those inboxes, and a janitor that removes
 * inboxes of execution environments that went away. Inboxes are SQS queues named with a
 * stack-specific prefix, which scopes every permission on them.
 */
export class LongPoll extends Construct {
  readonly waitersTable: Table;
  /** Open long polls per token (one item per token, each poll's slot with its expiry), so a cap holds across environments. */
  readonly slotsTable: Table;
  readonly inboxQueuePrefix: string;
  readonly notifier: JobFunction;

  constructor(scope: Construct, id: string, props: LongPollProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.inboxQueuePrefix = `${stack.stackName}-inbox-`;
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
    this.waitersTable.grantReadData(this.notifier);
    this.notifier.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.inboxArns()] }));
    this.notifier.addEventSource(
      new DynamoEventSource(props.jobsTable, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
        retryAttempts: 5,
        bisectBatchOnError: true,
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
    janitor.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:GetQueueAttributes', 'sqs:DeleteQueue'], resources: [this.inboxArns()] }),
    );
    new Rule(this, 'JanitorSchedule', {
      description: 'Remove idle long-poll inboxes',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [new LambdaFunction(janitor)],
    });
  }

  /** Lets a long-poll function register waiters, own inboxes and take slots (at most `perToken` per token). */
  grantWait(fn: IFunction & { addEnvironment(key: string, value: string): unknown }, perToken: number): void {
    this.slotsTable.grant(fn, 'dynamodb:UpdateItem', 'dynamodb:PutItem');
    fn.addEnvironment('LONG_POLL_SLOTS_TABLE_NAME', this.slotsTable.tableName);
    fn.addEnvironment('JOBS_LONG_POLLS_PER_TOKEN', String(perToken));
    this.waitersTable.grantReadWriteData(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'sqs:CreateQueue',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:SetQueueAttributes',
          'sqs:GetQueueAttributes',
        ],
        resources: [this.inboxArns()],
      }),
    );
    fn.addEnvironment('WAITERS_TABLE_NAME', this.waitersTable.tableName);
    fn.addEnvironment('INBOX_QUEUE_PREFIX', this.inboxQueuePrefix);
  }

  /**
   * Lets a function that changes jobs wake their long polls itself, right after its write: it may
   * look up the job's waiters and send to their inboxes, as the stream notifier does.
   */
  grantWake(fn: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    this.waitersTable.grantReadData(fn);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.inboxArns()] }));
    fn.addEnvironment('WAITERS_TABLE_NAME', this.waitersTable.tableName);
  }

  private inboxArns(): string {
    return Stack.of(this).formatArn({ service: 'sqs', resource: `${this.inboxQueuePrefix}*` });
  }
}

import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { JobFunction } from './job-function';
import { queueUrlEnvironment } from './queue-url-environment';
import { grantTableAccess } from './table-access';

export interface DeadLetterRecorderProps {
  table: Table;
  /** JOBS_TABLE_NAME and the shard counts its items are keyed with (JobsTable.environment). */
  tableEnvironment: Readonly<Record<string, string>>;
  deadLetterQueues: Readonly<Record<string, Queue>>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * Every minute, marks the jobs whose messages reached a DLQ as failed and dead-lettered. It is a
 * schedule rather than an SQS event source because an event source deletes what it consumes, and
 * dead letters must stay in their DLQ (for the depth alarm and for redrive).
 */
export class DeadLetterRecorder extends Construct {
  readonly function: JobFunction;

  constructor(scope: Construct, id: string, props: DeadLetterRecorderProps) {
    super(scope, id);
    this.function = new JobFunction(this, 'Function', {
      entry: 'lambdas/scheduled/record-dead-letters.ts',
      description: 'Marks jobs whose messages reached a dead-letter queue as failed',
      timeout: Duration.seconds(50),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        ...props.tableEnvironment,
        ...queueUrlEnvironment(props.deadLetterQueues, 'DLQ_URL'),
      },
    });
    // retryOnConflict: GetItem, then a conditional UpdateItem.
    grantTableAccess(this.function, props.table, { actions: ['GetItem', 'UpdateItem'] });
    for (const queue of Object.values(props.deadLetterQueues)) queue.grantConsumeMessages(this.function);
    new Rule(this, 'EveryMinute', {
      description: 'Record dead-lettered jobs',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.function)],
    });
  }
}

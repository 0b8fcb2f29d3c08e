import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CleanupTask } from '../../src/jobs/providers/cleaner';
import { JobFunction } from './job-function';

export interface DailyCleanupProps {
  task: CleanupTask;
  table: Table;
  cleanupQueue: Queue;
  configsJson: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** Enqueues a cleanup job every day at 00:00 UTC, exactly once per day even if EventBridge delivers twice. */
export class DailyCleanup extends Construct {
  constructor(scope: Construct, id: string, props: DailyCleanupProps) {
    super(scope, id);
    const fn = new JobFunction(this, 'Function', {
      entry: 'lambdas/scheduled/enqueue-daily-cleanup.ts',
      description: 'Enqueues the daily cleanup job',
      timeout: Duration.seconds(20),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        JOBS_TABLE_NAME: props.table.tableName,
        CLEANUP_QUEUE_URL: props.cleanupQueue.queueUrl,
        JOB_TYPE_CONFIGS: props.configsJson,
      },
    });
    props.table.grantWriteData(fn);
    props.cleanupQueue.grantSendMessages(fn);
    new Rule(this, 'Midnight', {
      description: 'Daily cleanup job at 00:00 UTC',
      schedule: Schedule.cron({ minute: '0', hour: '0' }),
      targets: [new LambdaFunction(fn, { event: RuleTargetInput.fromObject({ task: props.task }) })],
    });
  }
}

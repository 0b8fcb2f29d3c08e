import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RegisteredSchedule } from '../../src/jobs/job-type-registry';
import { schedulePeriod, type ScheduledSubmission } from '../../src/jobs/scheduled-job';
import { JobFunction } from './job-function';
import { grantTableAccess } from './table-access';

export interface ScheduledJobsProps {
  schedules: readonly RegisteredSchedule[];
  table: Table;
  /** JOBS_TABLE_NAME and the shard counts its items are keyed with (JobsTable.environment). */
  tableEnvironment: Readonly<Record<string, string>>;
  /** Every job type's queue; only those of scheduled types are granted. */
  queues: Readonly<Record<string, Queue>>;
  configsJson: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

const upperCamel = (name: string) =>
  name
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/**
 * One EventBridge rule per schedule of the registry (UTC cron), all feeding one function that
 * submits the schedule's job: exactly once per period even if EventBridge delivers twice.
 */
export class ScheduledJobs extends Construct {
  constructor(scope: Construct, id: string, props: ScheduledJobsProps) {
    super(scope, id);
    const scheduledQueues = Object.fromEntries(
      props.schedules.map((schedule) => {
        const queue = props.queues[schedule.type];
        if (!queue) throw new Error(`Schedule ${schedule.name} submits ${schedule.type}, which has no queue`);
        return [schedule.type, queue];
      }),
    );
    const fn = new JobFunction(this, 'Function', {
      entry: 'lambdas/scheduled/enqueue-scheduled-job.ts',
      description: 'Enqueues scheduled jobs',
      timeout: Duration.seconds(20),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        ...props.tableEnvironment,
        SCHEDULED_QUEUE_URLS: Stack.of(this).toJsonString(
          Object.fromEntries(Object.entries(scheduledQueues).map(([type, queue]) => [type, queue.queueUrl])),
        ),
        JOB_TYPE_CONFIGS: props.configsJson,
      },
    });
    // submitJob: create (a conditional PutItem: once per period), then save (UpdateItem).
    grantTableAccess(fn, props.table, { actions: ['PutItem', 'UpdateItem'] });
    for (const queue of Object.values(scheduledQueues)) queue.grantSendMessages(fn);
    for (const schedule of props.schedules) {
      const input: ScheduledSubmission = {
        type: schedule.type,
        schedule: schedule.name,
        period: schedulePeriod(schedule.cron),
        payload: schedule.payload,
      };
      new Rule(this, upperCamel(schedule.name), {
        description: `${schedule.name}: a ${schedule.type} job`,
        schedule: Schedule.cron(schedule.cron),
        targets: [new LambdaFunction(fn, { event: RuleTargetInput.fromObject(input) })],
      });
    }
  }
}

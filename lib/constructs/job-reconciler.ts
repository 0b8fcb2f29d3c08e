import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { JobFunction } from './job-function';
import { JOBS_BY_DUE_INDEX } from '../../src/aws/dynamodb-due-jobs';
import { queueUrlEnvironment } from './queue-url-environment';
import { grantTableAccess } from './table-access';

export interface JobReconcilerProps {
  /** The jobs table, with its sparse `byDue` index. */
  readonly table: Table;
  /** JOBS_TABLE_NAME and the shard counts its items are keyed with (JobsTable.environment). */
  readonly tableEnvironment: Readonly<Record<string, string>>;
  /** Each job type's queue, where rescued jobs' messages are re-sent. */
  readonly queues: Readonly<Record<string, Queue>>;
  /** Serialised per-type configuration: the margins come from it. */
  readonly configsJson: string;
  /** Where the rescue alarm notifies. */
  readonly alarmTopic: ITopic;
  /** Namespace and service dimension of the Powertools metrics. */
  readonly metricsNamespace: string;
  readonly serviceName: string;
  /** How often the reconciler runs. Default every minute. */
  readonly interval?: Duration;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * No job left behind: on a schedule, finds non-final jobs that stopped moving (through the sparse
 * `byDue` index, never a scan) and re-sends their messages. A rescue means a message was lost
 * somewhere, so any rescue raises an alarm.
 */
export class JobReconciler extends Construct {
  readonly function: JobFunction;
  readonly rescueAlarm: Alarm;

  constructor(scope: Construct, id: string, props: JobReconcilerProps) {
    super(scope, id);
    this.function = new JobFunction(this, 'Function', {
      entry: 'lambdas/scheduled/reconcile-jobs.ts',
      description: 'Re-sends the messages of jobs that stopped moving',
      timeout: Duration.seconds(50),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        ...props.tableEnvironment,
        JOB_TYPE_CONFIGS: props.configsJson,
        ...queueUrlEnvironment(props.queues, 'QUEUE_URL'),
      },
    });
    // DynamoDbDueJobs: Query on byDue; each rescue: GetItem, then a conditional UpdateItem.
    grantTableAccess(this.function, props.table, { actions: ['GetItem', 'UpdateItem'], queries: [JOBS_BY_DUE_INDEX] });
    for (const queue of Object.values(props.queues)) queue.grantSendMessages(this.function);
    new Rule(this, 'Schedule', {
      description: 'Rescue jobs whose messages were lost',
      schedule: Schedule.rate(props.interval ?? Duration.minutes(1)),
      targets: [new LambdaFunction(this.function)],
    });

    const rescued = Object.fromEntries(
      Object.keys(props.queues).map((type, index) => [
        `r${index}`,
        new Metric({
          namespace: props.metricsNamespace,
          metricName: 'JobsRescued',
          dimensionsMap: { service: props.serviceName, type },
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
      ]),
    );
    this.rescueAlarm = new Alarm(this, 'RescueAlarm', {
      alarmDescription: 'Jobs were rescued: their messages had been lost (see the reconciler logs)',
      metric: new MathExpression({
        expression: Object.keys(rescued).join(' + '),
        usingMetrics: rescued,
        label: 'Jobs rescued',
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.rescueAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }
}

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { maxReceiveCount, visibilityTimeoutSeconds, type JobTypeConfig } from '../../src/jobs/job-type-config';

export interface JobQueueProps {
  config: JobTypeConfig;
  removalPolicy: RemovalPolicy;
  /** Where the queue's alarms go. */
  alarmTopic: ITopic;
  /** Alarm when the oldest message waits longer than this. */
  maxMessageAge: Duration;
}

/**
 * A job type's queue, its dead-letter queue and their alarms. Visibility is six times the consumer's timeout;
 * the redrive threshold sits above maxAttempts, so the DLQ only catches what the consumer could
 * not handle at all.
 */
export class JobQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    const common = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', common);
    this.queue = new Queue(this, 'Queue', {
      ...common,
      visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(props.config)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: maxReceiveCount(props.config) },
    });

    const notify = new SnsAction(props.alarmTopic);
    // Anything in a DLQ is a job that needs a look (and maybe a redrive).
    new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: `${id}: messages in the dead-letter queue`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(notify);
    // Jobs waiting too long: workers are failing, throttled or too few.
    new Alarm(this, 'OldestMessageAlarm', {
      alarmDescription: `${id}: the oldest message waits longer than ${props.maxMessageAge.toHumanString()}`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: props.maxMessageAge.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(notify);
  }
}

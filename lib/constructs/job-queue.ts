import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { maxReceiveCount, visibilityTimeoutSeconds, type JobTypeConfig } from '../../src/jobs/job-type-config';

export interface JobQueueProps {
  config: JobTypeConfig;
  removalPolicy: RemovalPolicy;
}

/**
 * A job type's queue and its dead-letter queue. Visibility is six times the consumer's timeout;
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
  }
}

import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { JobTypeConfig } from '../../src/jobs/job-type-config';
import { JobFunction } from './job-function';
import { grantTableAccess } from './table-access';

export interface JobWorkerProps {
  type: string;
  config: JobTypeConfig;
  /** Serialised per-type configuration every function reads at cold start. */
  configsJson: string;
  queue: Queue;
  table: Table;
  /** JOBS_TABLE_NAME and the shard counts its items are keyed with (JobsTable.environment). */
  tableEnvironment: Readonly<Record<string, string>>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** The event source mapping feeding a worker from its queue: pausing the queue disables it. */
export interface ConsumerMapping {
  /** Its UUID (UpdateEventSourceMapping's). */
  readonly id: string;
  readonly arn: string;
}

/** The consumer of one job type: a function fed by its queue, reporting failures per record. */
export class JobWorker extends Construct {
  readonly function: JobFunction;
  readonly mapping: ConsumerMapping;

  constructor(scope: Construct, id: string, props: JobWorkerProps) {
    super(scope, id);
    const { config } = props;
    this.function = new JobFunction(this, 'Consumer', {
      entry: 'lambdas/consumers/job-consumer.ts',
      description: `Processes ${props.type} jobs`,
      timeout: Duration.seconds(config.timeoutSeconds),
      memorySize: config.memorySize,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        JOB_TYPE: props.type,
        JOB_QUEUE_URL: props.queue.queueUrl,
        ...props.tableEnvironment,
        JOB_TYPE_CONFIGS: props.configsJson,
      },
    });
    // handleJobMessage's claims and outcomes: GetItem, then conditional UpdateItems.
    grantTableAccess(this.function, props.table, { actions: ['GetItem', 'UpdateItem'] });
    // Re-delaying a job sends to its own queue; consuming (incl. ChangeMessageVisibility) is granted by the event source.
    props.queue.grantSendMessages(this.function);
    const source = new SqsEventSource(props.queue, {
      batchSize: config.batchSize,
      maxBatchingWindow:
        config.maxBatchingWindowSeconds > 0 ? Duration.seconds(config.maxBatchingWindowSeconds) : undefined,
      maxConcurrency: config.maxConcurrency,
      reportBatchItemFailures: true,
    });
    this.function.addEventSource(source);
    this.mapping = { id: source.eventSourceMappingId, arn: source.eventSourceMappingArn };
  }
}

import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_MINUTE_RETENTION_SECONDS } from '../../src/aws/dynamodb-job-counters';
import { JobFunction } from './job-function';

export interface JobCountersProps {
  /** The jobs table; its stream (new and old images) feeds the counters. */
  readonly jobsTable: Table;
  /** How long the per-minute counters (the dashboard's charts, `GET /stats/series`) are kept. Default 7 days. */
  readonly minuteRetention?: Duration;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Concurrent batches per stream shard (1–10); each job's changes still arrive in order. Default 1. */
  readonly parallelizationFactor?: number;
}

/**
 * The counters behind `GET /stats` and the dashboard's charts: a table (current counts per type
 * and status, per-minute counts and duration histograms per type with a TTL, one marker per job)
 * and a function of its own on the jobs table's stream, so a failure here never holds back the
 * long-poll notifier (each event source mapping retries its own batches). That makes two readers
 * of the stream, DynamoDB Streams' recommended maximum per shard.
 */
export class JobCounters extends Construct {
  readonly table: Table;
  readonly function: JobFunction;

  constructor(scope: Construct, id: string, props: JobCountersProps) {
    super(scope, id);
    const retention = props.minuteRetention ?? Duration.seconds(DEFAULT_MINUTE_RETENTION_SECONDS);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
    });
    this.function = new JobFunction(this, 'Function', {
      entry: 'lambdas/streams/count-jobs.ts',
      description: 'Counts job changes from the jobs table stream, per status and per minute',
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        COUNTERS_TABLE_NAME: this.table.tableName,
        COUNTER_MINUTE_RETENTION_SECONDS: String(retention.toSeconds()),
      },
    });
    this.table.grant(this.function, 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem');
    this.function.addEventSource(
      new DynamoEventSource(props.jobsTable, {
        // From the oldest record kept (24 h): on a first deployment beside existing jobs, what
        // changed in the last day is counted; replays are idempotent.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        // Bigger batches share their count and minute writes; the charts are per minute anyway.
        maxBatchingWindow: Duration.seconds(1),
        retryAttempts: 10,
        bisectBatchOnError: true,
        parallelizationFactor: props.parallelizationFactor ?? 1,
      }),
    );
  }

  /** Lets a function read the counters (Query), with their table's name in COUNTERS_TABLE_NAME. */
  grantRead(fn: IGrantable & { addEnvironment(key: string, value: string): unknown }): void {
    this.table.grant(fn, 'dynamodb:Query');
    fn.addEnvironment('COUNTERS_TABLE_NAME', this.table.tableName);
  }
}

import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { JOB_TYPES, type JobType } from '../src/jobs/job';
import {
  assertValidJobTypeConfig,
  defaultJobTypeConfigs,
  type JobTypeConfig,
  type JobTypeConfigs,
} from '../src/jobs/job-type-config';
import type { CleanupTask } from '../src/jobs/providers/cleaner';
import { DailyCleanup } from './constructs/daily-cleanup';
import { DeadLetterRecorder } from './constructs/dead-letter-recorder';
import { AlarmTopic, Monitoring } from './constructs/monitoring';
import { JobQueue } from './constructs/job-queue';
import { JobReconciler } from './constructs/job-reconciler';
import { JobWorker } from './constructs/job-worker';
import { JobsApi } from './constructs/jobs-api';
import { JobsTable } from './constructs/jobs-table';
import { LongPoll } from './constructs/long-poll';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { DEFAULT_MAX_LONG_POLL_TIMEOUT_MS } from '../src/jobs/status-query';

export interface JobsStackProps extends StackProps {
  /** Per-type overrides of maxAttempts, backoff, batch size, concurrency and timeout. */
  jobTypes?: Partial<Record<JobType, Partial<JobTypeConfig>>>;
  /** API Gateway stage. Default `prod`. */
  stageName?: string;
  /** What happens to the table and queues when the stack is deleted. Default RETAIN. */
  removalPolicy?: RemovalPolicy;
  /** Default one month. */
  logRetention?: RetentionDays;
  /** The longest a long poll holds a request (ms). Default 25000; must stay below API Gateway's 29 s. */
  maxLongPollTimeoutMs?: number;
  /** Require the API key on reads too; writes always need it. Default false (job ids are unguessable). */
  requireApiKeyForReads?: boolean;
  /** Usage-plan throttling for API callers. Default 50 requests/s, bursts of 100. */
  apiThrottle?: { rateLimit: number; burstLimit: number };
  /** Alarms (DLQ depth, message age, function errors and throttles) are e-mailed here when set. */
  alarmEmail?: string;
  /** Alarm when a queue's oldest message waits longer than this. Default 1 hour. */
  maxMessageAge?: Duration;
  /** The cleanup task enqueued daily at 00:00 UTC. Default `delete_temp`. */
  dailyCleanupTask?: CleanupTask;
}

const upperFirst = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function resolveJobTypeConfigs(overrides: JobsStackProps['jobTypes'] = {}): JobTypeConfigs {
  const configs = {} as JobTypeConfigs;
  for (const type of JOB_TYPES) {
    const override = overrides[type] ?? {};
    const config: JobTypeConfig = {
      ...defaultJobTypeConfigs[type],
      ...override,
      backoff: { ...defaultJobTypeConfigs[type].backoff, ...override.backoff },
    };
    assertValidJobTypeConfig(type, config);
    configs[type] = config;
  }
  return configs;
}

/** The whole job platform: API, jobs table, one queue + DLQ + worker per job type. */
export class JobsStack extends Stack {
  constructor(scope: Construct, id: string, props: JobsStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const configs = resolveJobTypeConfigs(props.jobTypes);
    const configsJson = JSON.stringify(configs);

    const { topic: alarmTopic } = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail });
    const { table, idempotencyTable } = new JobsTable(this, 'Jobs', { removalPolicy });
    const queues = {} as Record<JobType, Queue>;
    const deadLetterQueues = {} as Record<JobType, Queue>;
    for (const type of JOB_TYPES) {
      const jobQueue = new JobQueue(this, `${upperFirst(type)}Jobs`, {
        config: configs[type],
        removalPolicy,
        alarmTopic,
        maxMessageAge: props.maxMessageAge ?? Duration.hours(1),
      });
      queues[type] = jobQueue.queue;
      deadLetterQueues[type] = jobQueue.deadLetterQueue;
      new JobWorker(this, `${upperFirst(type)}Worker`, {
        type,
        config: configs[type],
        configsJson,
        queue: jobQueue.queue,
        table,
        logRetention,
        removalPolicy,
      });
      new CfnOutput(this, `${upperFirst(type)}QueueUrl`, { value: jobQueue.queue.queueUrl });
      new CfnOutput(this, `${upperFirst(type)}DeadLetterQueueUrl`, { value: jobQueue.deadLetterQueue.queueUrl });
    }
    new DeadLetterRecorder(this, 'DeadLetterRecorder', { table, deadLetterQueues, logRetention, removalPolicy });
    const longPoll = new LongPoll(this, 'LongPoll', { jobsTable: table, logRetention, removalPolicy });
    const maxLongPollTimeoutMs = props.maxLongPollTimeoutMs ?? DEFAULT_MAX_LONG_POLL_TIMEOUT_MS;
    if (maxLongPollTimeoutMs < 1_000 || maxLongPollTimeoutMs > 26_000) {
      throw new Error(
        'maxLongPollTimeoutMs must be 1000–26000: the status function answers within 28 s, API Gateway gives up at 29 s',
      );
    }
    const api = new JobsApi(this, 'Api', {
      table,
      idempotencyTable,
      queues,
      deadLetterQueues,
      longPoll,
      maxLongPollTimeoutMs,
      requireApiKeyForReads: props.requireApiKeyForReads ?? false,
      throttle: props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 },
      configsJson,
      stageName: props.stageName ?? 'prod',
      logRetention,
      removalPolicy,
    });

    new DailyCleanup(this, 'DailyCleanup', {
      task: props.dailyCleanupTask ?? 'delete_temp',
      table,
      cleanupQueue: queues.cleanup,
      configsJson,
      logRetention,
      removalPolicy,
    });
    new JobReconciler(this, 'Reconciler', {
      table,
      queues,
      configsJson,
      alarmTopic,
      metricsNamespace: 'ServerlessJobs',
      serviceName: 'serverless-jobs',
      logRetention,
      removalPolicy,
    });
    // Last: it puts alarms on every function created above.
    const monitoring = new Monitoring(this, 'Monitoring', {
      alarmTopic,
      queues,
      deadLetterQueues,
      metricsNamespace: 'ServerlessJobs',
      serviceName: 'serverless-jobs',
    });

    acknowledgeNagFindings(this, { jobsTable: table, inboxQueuePrefix: longPoll.inboxQueuePrefix });

    new CfnOutput(this, 'ApiUrl', { value: api.restApi.url });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${monitoring.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn });
    new CfnOutput(this, 'ApiKeyId', {
      value: api.apiKey.keyId,
      description: 'aws apigateway get-api-key --include-value --api-key <id> prints the key',
    });
    new CfnOutput(this, 'JobsTableName', { value: table.tableName });
  }
}

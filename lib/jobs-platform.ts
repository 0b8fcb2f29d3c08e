import { Aspects, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AnyJobTypeDefinition } from '../src/jobs/define-job-type';
import type { JobTypeConfigOverride, JobTypeConfigs } from '../src/jobs/job-type-config';
import { JobTypeRegistry, resolveJobTypeConfigs, type RegisteredSchedule } from '../src/jobs/job-type-registry';
import { DEFAULT_MAX_LONG_POLL_TIMEOUT_MS } from '../src/jobs/status-query';
import { DEFAULT_LONG_POLLS_PER_TOKEN } from '../src/jobs/use-cases/long-poll-slot';
import { jobTypes as builtInJobTypes } from '../src/job-types';
import { DeadLetterRecorder } from './constructs/dead-letter-recorder';
import { DEFAULT_JOB_TYPES_MODULE, JOB_TYPES_MODULE_CONTEXT, type JobFunction } from './constructs/job-function';
import { JobQueue } from './constructs/job-queue';
import { JobWorker, type ConsumerMapping } from './constructs/job-worker';
import {
  MessageProviders,
  messageProvidersFromContext,
  type EmailProviderProps,
  type SmsProviderProps,
} from './constructs/message-providers';
import { ApiTokens } from './constructs/api-tokens';
import { JobsApi } from './constructs/jobs-api';
import { JobCounters } from './constructs/job-counters';
import { JobsTable } from './constructs/jobs-table';
import { DEFAULT_JOBS_TABLE_SHARDS, MAX_INDEX_SHARDS, type JobsTableShards } from '../src/aws/index-shards';
import { LongPoll } from './constructs/long-poll';
import { RealtimeApi } from './constructs/realtime-api';
import { AlarmTopic, Monitoring } from './constructs/monitoring';
import { ScheduledJobs } from './constructs/scheduled-jobs';
import { JobReconciler } from './constructs/job-reconciler';
import { ApiWebAcl } from './constructs/api-web-acl';
import { CustomerManagedEncryption } from './constructs/customer-managed-encryption';

export interface JobsPlatformProps {
  /**
   * The job types to run: the list your registry module exports (`export const jobTypes = [...]`).
   * Default: this package's email, sms and cleanup.
   */
  readonly jobTypes?: readonly AnyJobTypeDefinition[];
  /**
   * Absolute path of the module that exports `jobTypes` (the same list as above). Every function
   * bundles it, so the workers run your processors. Required with `jobTypes`; default this package's.
   */
  readonly jobTypesModule?: string;
  /** Per-type overrides of maxAttempts, backoff, batching, concurrency, timeout and memory. Default none. */
  readonly jobTypeOverrides?: Readonly<Record<string, JobTypeConfigOverride>>;
  /** Scheduled submissions. Default: the schedules the job types declare (cleanup: daily at 00:00 UTC). */
  readonly schedules?: readonly RegisteredSchedule[];
  /** API Gateway stage. Default `prod`. */
  readonly stageName?: string;
  /** What happens to the table and queues when the stack is deleted. Default RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
  /** Default one month. */
  readonly logRetention?: RetentionDays;
  /** The longest a long poll holds a request (ms). Default 25000; must stay below API Gateway's 29 s. */
  readonly maxLongPollTimeoutMs?: number;
  /**
   * ReservedConcurrentExecutions of the status function, which serves long polls: each open poll
   * holds one execution environment for its whole wait (up to maxLongPollTimeoutMs), so without a
   * bound anyone able to open polls could take the account's concurrency (1000 by default per
   * Region) and throttle submits, consumers and the stream notifier. Default 100: a tenth of the
   * default account, leaving 900 for the rest (Lambda refuses a reservation that leaves fewer than
   * 100 unreserved). Beyond it the function is throttled, which API Gateway answers with 500.
   * `false` reserves nothing (for accounts below 200, e.g. new accounts with a quota of 10).
   */
  readonly longPollReservedConcurrency?: number | false;
  /**
   * Reserved concurrency of the function behind `GET /jobs/{id}/events` (server-sent events): an
   * open stream holds one execution environment for up to 15 minutes, so streams are bounded as
   * long polls are, and each one also takes one of its token's `longPollsPerToken` slots. Default
   * 50 (DEFAULT_EVENT_STREAM_RESERVED_CONCURRENCY), which with the long-poll default leaves 850 of
   * the default account to the rest. `false` reserves nothing.
   */
  readonly eventStreamReservedConcurrency?: number | false;
  /**
   * How many long polls and event streams one token may have open at once (counted across all
   * environments); the next answers 429 with Retry-After. Default 10 (DEFAULT_LONG_POLLS_PER_TOKEN), so ten tokens
   * can fill the default reservation and no single client can.
   */
  readonly longPollsPerToken?: number;
  /**
   * Serve the read routes (listings, a job, its status, stats, queues, job types) without a token.
   * Default false: every route but /health, /openapi.json and the dashboard page needs a token.
   */
  readonly openReadRoutes?: boolean;
  /** Usage-plan throttling of each token. Default 50 requests/s, bursts of 100. */
  readonly apiThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Throttling of the whole stage, every route and every caller together (open routes included),
   * below the account's regional 10,000/s so one API cannot starve others. Default 500 requests/s,
   * bursts of 1000.
   */
  readonly stageThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** Requests each token may make per UTC day. Default 1,000,000. */
  readonly apiDailyQuota?: number;
  /**
   * Accept a token in the legacy `x-api-key` header as well as `Authorization: Bearer`. Default true.
   * API Gateway can then cache no authorizer answer (it caches by headers every request carries),
   * so the authorizer runs on each request; set false once clients send bearer tokens.
   */
  readonly acceptApiKeyHeader?: boolean;
  /** How long API Gateway caches the authorizer's answer per token and route (with acceptApiKeyHeader false). Default 5 minutes. */
  readonly tokenCacheTtl?: Duration;
  /**
   * The stream-fed counters behind `GET /stats`, `GET /stats/series` and the dashboard's counts and
   * charts. Default true. They are exact under Lambda's redelivery of stream batches, which costs
   * transactional writes: about $6.70 per million jobs (`npm run cost`), nearly a third of the stack's.
   * False leaves out their table, function and both routes (404); the dashboard then shows no
   * counts or charts.
   */
  readonly stats?: boolean;
  /** How long the per-minute counters behind the dashboard's charts and `GET /stats/series` are kept. Default 7 days; unused without `stats`. */
  readonly statsRetention?: Duration;
  /**
   * A customer-managed KMS key for every table, queue (job queues, DLQs, stream failure queues and
   * the long-poll inboxes created at run time), the alarm topic and every log group of the
   * platform; each function may use it as far as its table and queue actions need. A key created
   * in the same stack gets policy statements letting CloudWatch Logs and CloudWatch alarms use it;
   * an imported key needs those statements already.
   * Default none: AWS-owned keys (SSE-SQS for queues, DynamoDB's default, CloudWatch Logs').
   */
  readonly encryptionKey?: IKey;
  /**
   * Requests per 5 minutes one client IP may make before a WAFv2 web ACL on the stage blocks it
   * (at least 10). Default none: no web ACL ($5 a month plus $0.60 per million requests).
   */
  readonly wafRateLimit?: number;
  /** Alarm when a route's p99 latency (the long poll left out) exceeds this. Default 5 seconds. */
  readonly maxApiLatency?: Duration;
  /** Alarm when more than this fraction of API requests answer 5XX over 5 minutes. Default 0.05. */
  readonly max5xxRate?: number;
  /** Alarm when a stream mapping's oldest unprocessed record is older than this. Default 1 minute. */
  readonly maxIteratorAge?: Duration;
  /**
   * Alarms (DLQ depth, message age, function errors and throttles, API 5XX rate and latency,
   * stream iterator age and failures, batch item failures) are e-mailed here when set. Default none.
   */
  readonly alarmEmail?: string;
  /** Alarm when a queue's oldest message waits longer than this. Default 1 hour. */
  readonly maxMessageAge?: Duration;
  /** Namespace of the Powertools metrics and the CloudWatch dashboard. Default `ServerlessJobs`. */
  readonly metricsNamespace?: string;
  /**
   * Send email with SES, for the types whose declaration lists the `email` channel.
   * Default: context `emailProvider`, else simulated (with a synth-time warning).
   */
  readonly emailProvider?: EmailProviderProps;
  /**
   * Send SMS with SNS, for the types whose declaration lists the `sms` channel.
   * Default: context `smsProvider`, else simulated (with a synth-time warning).
   */
  readonly smsProvider?: SmsProviderProps;
  /**
   * Partitions the jobs table's sharded indexes spread their keys over: `listing` (byTypeShard and
   * byStatusTypeShard; each partition takes about 1,000 writes/s, so 8 carry ≈ 4,000 jobs/s of one
   * type, 32 ≈ 10,000+, and a listing page queries that many per type) and `due` (byDue, over all
   * types; 16 carry ≈ 5,300 jobs/s, and the reconciler queries each one per run). Whole numbers
   * from 1 to 100. Raise them as traffic grows, never lower them: a job keeps the shard it was
   * last written with, and a shard past the new count would drop out of listings.
   * Default `{ listing: 8, due: 16 }`.
   */
  readonly indexShards?: { readonly listing?: number; readonly due?: number };
  /**
   * Batches of one jobs-stream shard the notifier and the stream counters each process at once,
   * 1–10 (Lambda's ParallelizationFactor). Each job's changes still arrive in order; raise it when
   * their iterator age grows (at 10,000 jobs/s, ≈ 40,000 records/s over ≥ 30 shards: ≈ 1,300 per
   * shard, more than one batch of 100 at a time keeps up with; see the README's Scale). Default 1.
   */
  readonly streamParallelizationFactor?: number;
}

/** A count prop checked at synth: a whole number from `min` to `max`, or a clear error naming it. */
function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  return value;
}

/** JobsPlatformProps.indexShards with its defaults, each count checked at synth. */
function indexShards(props: JobsPlatformProps['indexShards']): JobsTableShards {
  const shards = { ...DEFAULT_JOBS_TABLE_SHARDS, ...props };
  return {
    listing: wholeNumber('indexShards.listing', shards.listing, 1, MAX_INDEX_SHARDS),
    due: wholeNumber('indexShards.due', shards.due, 1, MAX_INDEX_SHARDS),
  };
}

/** See JobsPlatformProps.longPollReservedConcurrency. */
export const DEFAULT_LONG_POLL_RESERVED_CONCURRENCY = 100;
/** See JobsPlatformProps.eventStreamReservedConcurrency. */
export const DEFAULT_EVENT_STREAM_RESERVED_CONCURRENCY = 50;

/** A reservation prop: a whole number of at least 1, or false for none (undefined in the template). */
function reservation(name: string, value: number | false): number | undefined {
  if (value === false) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, or false`);
  return value;
}

const upperCamel = (name: string) =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/**
 * The whole job platform as one construct to add to any CDK stack: API, jobs table, one queue +
 * DLQ + worker per job type of the registry, dead-letter recording, long polling, schedules,
 * alarms and a dashboard.
 *
 * ```ts
 * import { jobTypes } from './job-types';
 * new JobsPlatform(stack, 'Jobs', {
 *   jobTypes,
 *   jobTypesModule: path.join(import.meta.dirname, 'job-types/index.ts'),
 *   alarmEmail: 'ops@example.com',
 * });
 * ```
 */
export class JobsPlatform extends Construct {
  /** The registry as this deployment configures it. */
  readonly jobTypes: JobTypeRegistry;
  readonly api: JobsApi;
  /** The WebSocket API that pushes job changes to subscribers. */
  readonly realtime: RealtimeApi;
  readonly queues: Readonly<Record<string, Queue>>;
  readonly deadLetterQueues: Readonly<Record<string, Queue>>;
  /** Each type's worker function, by type name: add the environment or grants your processor needs. */
  readonly workers: Readonly<Record<string, NodejsFunction>>;

  constructor(scope: Construct, id: string, props: JobsPlatformProps = {}) {
    super(scope, id);
    if (props.jobTypes && !props.jobTypesModule) {
      throw new Error(
        'JobsPlatform: jobTypesModule (the path of the module exporting jobTypes) is required with jobTypes',
      );
    }
    // Read by every JobFunction below: they bundle this module as `#job-types`.
    this.node.setContext(JOB_TYPES_MODULE_CONTEXT, props.jobTypesModule ?? DEFAULT_JOB_TYPES_MODULE);
    const definitions = props.jobTypes ?? builtInJobTypes;
    const configs: JobTypeConfigs = resolveJobTypeConfigs(definitions, props.jobTypeOverrides);
    this.jobTypes = new JobTypeRegistry(definitions, configs);
    const configsJson = JSON.stringify(configs);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const metricsNamespace = props.metricsNamespace ?? 'ServerlessJobs';

    const { topic: alarmTopic } = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail });
    const jobsTable = new JobsTable(this, 'Jobs', { removalPolicy, shards: indexShards(props.indexShards) });
    const { table, idempotencyTable, environment: tableEnvironment } = jobsTable;
    const queues: Record<string, Queue> = {};
    const deadLetterQueues: Record<string, Queue> = {};
    const workers: Record<string, NodejsFunction> = {};
    const consumerMappings: Record<string, ConsumerMapping> = {};
    const fromContext = messageProvidersFromContext(this);
    const messageProviders = new MessageProviders(this, 'MessageProviders', {
      email: props.emailProvider ?? fromContext.email,
      sms: props.smsProvider ?? fromContext.sms,
    });
    for (const type of this.jobTypes.names) {
      const { config, messageChannels } = this.jobTypes.get(type);
      const jobQueue = new JobQueue(this, `${upperCamel(type)}Jobs`, {
        config,
        removalPolicy,
        alarmTopic,
        maxMessageAge: props.maxMessageAge ?? Duration.hours(1),
      });
      queues[type] = jobQueue.queue;
      deadLetterQueues[type] = jobQueue.deadLetterQueue;
      const worker = new JobWorker(this, `${upperCamel(type)}Worker`, {
        type,
        config,
        configsJson,
        queue: jobQueue.queue,
        table,
        tableEnvironment,
        logRetention,
        removalPolicy,
      });
      workers[type] = worker.function;
      consumerMappings[type] = worker.mapping;
      if (messageChannels.includes('email')) messageProviders.configureEmailSender(worker.function);
      if (messageChannels.includes('sms')) messageProviders.configureSmsSender(worker.function);
      new CfnOutput(this, `${upperCamel(type)}QueueUrl`, { value: jobQueue.queue.queueUrl });
      new CfnOutput(this, `${upperCamel(type)}DeadLetterQueueUrl`, { value: jobQueue.deadLetterQueue.queueUrl });
    }
    this.queues = queues;
    this.deadLetterQueues = deadLetterQueues;
    this.workers = workers;
    new DeadLetterRecorder(this, 'DeadLetterRecorder', {
      table,
      tableEnvironment,
      deadLetterQueues,
      logRetention,
      removalPolicy,
    });
    const tokens = new ApiTokens(this, 'Tokens', {
      cacheTtl: props.tokenCacheTtl ?? Duration.minutes(5),
      acceptApiKeyHeader: props.acceptApiKeyHeader ?? true,
      logRetention,
      removalPolicy,
    });
    // Lambda's own bounds for a stream mapping's ParallelizationFactor.
    const streamParallelizationFactor = wholeNumber(
      'streamParallelizationFactor',
      props.streamParallelizationFactor ?? 1,
      1,
      10,
    );
    const longPoll = new LongPoll(this, 'LongPoll', {
      jobsTable: table,
      parallelizationFactor: streamParallelizationFactor,
      logRetention,
      removalPolicy,
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    for (const worker of Object.values(workers)) longPoll.grantWake(worker);
    const maxLongPollTimeoutMs = props.maxLongPollTimeoutMs ?? DEFAULT_MAX_LONG_POLL_TIMEOUT_MS;
    if (maxLongPollTimeoutMs < 1_000 || maxLongPollTimeoutMs > 26_000) {
      throw new Error(
        'maxLongPollTimeoutMs must be 1000–26000: the status function answers within 28 s, API Gateway gives up at 29 s',
      );
    }
    const longPollReservedConcurrency = reservation(
      'longPollReservedConcurrency',
      props.longPollReservedConcurrency ?? DEFAULT_LONG_POLL_RESERVED_CONCURRENCY,
    );
    const eventStreamReservedConcurrency = reservation(
      'eventStreamReservedConcurrency',
      props.eventStreamReservedConcurrency ?? DEFAULT_EVENT_STREAM_RESERVED_CONCURRENCY,
    );
    const longPollsPerToken = props.longPollsPerToken ?? DEFAULT_LONG_POLLS_PER_TOKEN;
    if (!Number.isInteger(longPollsPerToken) || longPollsPerToken < 1)
      throw new Error('longPollsPerToken must be a whole number of at least 1');
    const counters =
      props.stats === false
        ? undefined
        : new JobCounters(this, 'JobCounters', {
            jobsTable: table,
            parallelizationFactor: streamParallelizationFactor,
            minuteRetention: props.statsRetention,
            logRetention,
            removalPolicy,
          });
    this.api = new JobsApi(this, 'Api', {
      table,
      tableEnvironment,
      counters,
      idempotencyTable,
      queues,
      deadLetterQueues,
      consumerMappings,
      longPoll,
      maxLongPollTimeoutMs,
      longPollReservedConcurrency,
      eventStreamReservedConcurrency,
      longPollsPerToken,
      openReadRoutes: props.openReadRoutes ?? false,
      throttle: props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 },
      dailyQuota: props.apiDailyQuota ?? 1_000_000,
      stageThrottle: props.stageThrottle ?? { rateLimit: 500, burstLimit: 1000 },
      tokens,
      configsJson,
      stageName: props.stageName ?? 'prod',
      logRetention,
      removalPolicy,
    });

    this.realtime = new RealtimeApi(this, 'Realtime', {
      jobsTable: table,
      jobsTableEnvironment: tableEnvironment,
      tokensTable: tokens.table,
      notifier: longPoll.notifier,
      stageName: props.stageName ?? 'prod',
      throttle: props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 },
      logRetention,
      removalPolicy,
    });
    // GET /health advertises it, so a client given only the REST URL finds the WebSocket API.
    (this.api.node.findChild('Health') as JobFunction).addEnvironment('WEBSOCKET_API_URL', this.realtime.url);
    // The dashboard follows jobs over it: the page names it, and its CSP allows connecting to it.
    (this.api.node.findChild('Dashboard') as JobFunction).addEnvironment('WEBSOCKET_API_URL', this.realtime.url);

    const schedules = props.schedules ?? this.jobTypes.schedules();
    if (schedules.length > 0) {
      new ScheduledJobs(this, 'Schedules', {
        schedules,
        table,
        tableEnvironment,
        queues,
        configsJson,
        logRetention,
        removalPolicy,
      });
    }
    new JobReconciler(this, 'Reconciler', {
      table,
      tableEnvironment,
      queues,
      configsJson,
      alarmTopic,
      metricsNamespace,
      serviceName: 'serverless-jobs',
      logRetention,
      removalPolicy,
    });
    // Last: it puts alarms on every function created above.
    const monitoring = new Monitoring(this, 'Monitoring', {
      alarmTopic,
      queues,
      deadLetterQueues,
      metricsNamespace,
      serviceName: 'serverless-jobs',
      restApi: this.api.restApi,
      longPollRoutes: ['GET /jobs/{id}/status'],
      maxApiLatency: props.maxApiLatency ?? Duration.seconds(5),
      max5xxRate: props.max5xxRate ?? 0.05,
      maxIteratorAge: props.maxIteratorAge ?? Duration.minutes(1),
      removalPolicy,
      jobsTable: table,
      shardedIndexes: jobsTable.shardedIndexes,
    });

    if (props.wafRateLimit !== undefined) {
      new ApiWebAcl(this, 'WebAcl', {
        stage: this.api.restApi.deploymentStage,
        requestsPer5Minutes: props.wafRateLimit,
      });
    } else {
      Validations.of(this.api.restApi).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'A WAFv2 web ACL costs at least $5 a month plus per request: set wafRateLimit when the API faces untrusted traffic.',
      });
    }
    if (props.encryptionKey) {
      Aspects.of(this).add(new CustomerManagedEncryption(props.encryptionKey));
      CustomerManagedEncryption.allowLogs(props.encryptionKey, this);
      CustomerManagedEncryption.allowAlarms(props.encryptionKey, this);
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Stack.of(this).region}#dashboards:name=${monitoring.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn });
    new CfnOutput(this, 'WebSocketUrl', { value: this.realtime.url });
    new CfnOutput(this, 'JobsTableName', { value: table.tableName });
    new CfnOutput(this, 'TokensTableName', { value: tokens.table.tableName });
    new CfnOutput(this, 'UsagePlanId', {
      value: this.api.usagePlan.usagePlanId,
      description: 'jobsctl tokens bootstrap uses it (with TokensTableName) to create the first admin token',
    });
  }
}

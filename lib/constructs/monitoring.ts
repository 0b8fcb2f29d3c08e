import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventSourceMapping, type CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { JobsTableShards } from '../../src/aws/index-shards';
import { JobFunction } from './job-function';

/** Where alarms go: an SNS topic, with an e-mail subscription when an address is given. */
export class AlarmTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: { email?: string }) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'Serverless jobs alarms', enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }
}

export interface MonitoringProps {
  alarmTopic: Topic;
  /** By job type name. */
  queues: Readonly<Record<string, Queue>>;
  deadLetterQueues: Readonly<Record<string, Queue>>;
  /** Namespace and service of the Powertools metrics. */
  metricsNamespace: string;
  serviceName: string;
  /** The REST API whose 5XX rate and per-route p99 latency are watched. */
  restApi: RestApi;
  /** Routes (`GET /jobs/{id}/status`) that hold requests on purpose, left out of the latency alarm. */
  longPollRoutes: readonly string[];
  /** Alarm when a route's p99 latency exceeds this. */
  maxApiLatency: Duration;
  /** Alarm when more than this fraction of the API's requests answer 5XX (over 5 minutes). */
  max5xxRate: number;
  /** Alarm when a stream mapping's oldest record waits longer than this. */
  maxIteratorAge: Duration;
  /** Of the stream mappings' on-failure queues. */
  removalPolicy: RemovalPolicy;
  /** Throttling of the jobs table and of each sharded index, with the shard count that spreads it. */
  jobsTable: ITable;
  shardedIndexes: Readonly<Record<string, keyof JobsTableShards>>;
}

/**
 * Errors and throttles alarms for every function of the stack; the API's 5XX rate and p99 latency;
 * throttling of the jobs table and of each of its sharded indexes;
 * for every DynamoDB stream mapping, its iterator age and an on-failure queue (with a depth alarm)
 * that receives the batches Lambda gives up on; the failures batch handlers report (which Lambda
 * does not count as errors); and one CloudWatch dashboard:
 * queue and DLQ depths, job outcomes and durations by type, long-poll wake latency.
 * Create it last, as a child of the platform: it watches every JobFunction the platform already holds.
 */
export class Monitoring extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const notify = new SnsAction(props.alarmTopic);
    const platform = this.node.scope ?? this;
    const functions = platform.node.findAll().filter((c): c is JobFunction => c instanceof JobFunction);
    // Names relative to the stack, without the ids that logical ids leave out (`Default`).
    const nameOf = (fn: JobFunction, drop = 0) =>
      fn.node.scopes
        .slice(2, drop ? -drop : undefined)
        .filter((c) => c.node.id !== 'Default')
        .map((c) => c.node.id)
        .join('/') || fn.node.id;
    for (const fn of functions) {
      const name = nameOf(fn);
      for (const [kind, metric] of [
        ['Errors', fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })],
        ['Throttles', fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' })],
      ] as const) {
        new Alarm(fn, `${kind}Alarm`, {
          alarmDescription: `${name}: ${kind.toLowerCase()}`,
          metric,
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }).addAlarmAction(notify);
      }
    }

    const alarm = (id: string, alarmProps: { description: string; metric: IMetric; threshold: number }) => {
      const created = new Alarm(this, id, {
        alarmDescription: alarmProps.description,
        metric: alarmProps.metric,
        threshold: alarmProps.threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      return created;
    };
    const fiveMinutes = Duration.minutes(5);

    // Handlers map every error to a response, so only API Gateway's own counts show a failing API.
    alarm('Api5xxRateAlarm', {
      description: `API: more than ${props.max5xxRate * 100} % of requests answered 5XX`,
      metric: props.restApi.metricServerError({ statistic: 'Average', period: fiveMinutes }),
      threshold: props.max5xxRate,
    });
    // Per route (detailed stage metrics), the long polls left out: they hold requests by design.
    const stageName = props.restApi.deploymentStage.stageName;
    const routes = props.restApi.methods
      .map((method) => ({ httpMethod: method.httpMethod, path: method.resource.path }))
      .filter(({ httpMethod, path }) => !props.longPollRoutes.includes(`${httpMethod} ${path}`));
    // An alarm's math may use 10 metrics: one alarm per 10 routes, on the slowest of them.
    for (let start = 0; start < routes.length; start += 10) {
      const group = routes.slice(start, start + 10);
      const latencies = Object.fromEntries(
        group.map(({ httpMethod, path }, index) => [
          `p${index}`,
          props.restApi.metricLatency({
            statistic: 'p99',
            period: fiveMinutes,
            dimensionsMap: { ApiName: props.restApi.restApiName, Stage: stageName, Method: httpMethod, Resource: path },
          }),
        ]),
      );
      alarm(`ApiLatencyAlarm${start / 10 + 1}`, {
        description: `API: p99 latency above ${props.maxApiLatency.toHumanString()} on one of ${group.map((r) => `${r.httpMethod} ${r.path}`).join(', ')}`,
        metric: new MathExpression({
          expression: `MAX([${Object.keys(latencies).join(', ')}])`,
          usingMetrics: latencies,
          label: 'Slowest route p99 (ms)',
          period: fiveMinutes,
        }),
        threshold: props.maxApiLatency.toMilliseconds(),
      });
    }

    // Every DynamoDB stream mapping: how far behind it reads, and where the batches it gives up on go.
    for (const fn of functions) {
      for (const mapping of fn.node.findAll().filter((c): c is EventSourceMapping => c instanceof EventSourceMapping)) {
        const cfn = mapping.node.defaultChild as CfnEventSourceMapping;
        if (cfn.startingPosition === undefined) continue; // an SQS mapping
        const name = nameOf(fn);
        const id = name.replace(/[^A-Za-z0-9]/g, '');
        alarm(`${id}IteratorAgeAlarm`, {
          description: `${name}: its stream's oldest unprocessed record is older than ${props.maxIteratorAge.toHumanString()}`,
          metric: fn.metric('IteratorAge', { statistic: 'Maximum', period: fiveMinutes }),
          threshold: props.maxIteratorAge.toMilliseconds(),
        });
        if (cfn.destinationConfig) continue;
        const failures = new Queue(this, `${id}StreamFailures`, {
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.days(14),
          removalPolicy: props.removalPolicy,
        });
        Validations.of(failures).acknowledge({
          id: 'AwsSolutions-SQS3',
          reason: "It is itself a dead-letter destination: Lambda's records of the stream batches it gave up on.",
        });
        cfn.destinationConfig = { onFailure: { destination: failures.queueArn } };
        failures.grantSendMessages(fn);
        alarm(`${id}StreamFailuresAlarm`, {
          description: `${name}: stream records were given up on after their retries (see the failures queue)`,
          metric: failures.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          threshold: 0,
        });
      }
    }

    // On demand, throttling means a hot partition (or traffic past twice its previous peak within
    // 30 minutes): on an index, its keys' writes outgrew their shards, and every job write waits
    // for its index entries.
    const throttles = (metricName: string, indexName?: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: {
          TableName: props.jobsTable.tableName,
          ...(indexName ? { GlobalSecondaryIndexName: indexName } : {}),
        },
        statistic: 'Sum',
        period: fiveMinutes,
      });
    alarm('JobsTableThrottleAlarm', {
      description: 'Jobs table: reads or writes throttled (a hot partition, or traffic past twice its previous peak)',
      metric: new MathExpression({
        expression: 'r + w',
        usingMetrics: { r: throttles('ReadThrottleEvents'), w: throttles('WriteThrottleEvents') },
        label: 'Throttled requests',
        period: fiveMinutes,
      }),
      threshold: 0,
    });
    for (const [indexName, shards] of Object.entries(props.shardedIndexes)) {
      alarm(`JobsIndex${indexName.charAt(0).toUpperCase()}${indexName.slice(1)}ThrottleAlarm`, {
        description: `Jobs table index ${indexName}: writes throttled, and with them the job writes; raise indexShards.${shards} (README, Scale)`,
        metric: throttles('WriteThrottleEvents', indexName),
        threshold: 0,
      });
    }

    const types = Object.keys(props.queues);
    const jobMetric = (metricName: string, type: string, statistic = 'Sum') =>
      new Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.serviceName, type },
        statistic,
        period: Duration.minutes(1),
        label: `${type}`,
      });
    const perType = (make: (type: string) => IMetric) => types.map(make);
    const failedItems = Object.fromEntries(
      types.map((type, index) => [`f${index}`, jobMetric('BatchItemsFailed', type).with({ period: fiveMinutes })]),
    );
    alarm('BatchItemsFailedAlarm', {
      description:
        'Consumers reported batch item failures (messages retried after an unexpected error; see their logs)',
      metric: new MathExpression({
        expression: Object.keys(failedItems).join(' + '),
        usingMetrics: failedItems,
        label: 'Batch items failed',
        period: fiveMinutes,
      }),
      threshold: 0,
    });
    alarm('NotifierFailuresAlarm', {
      description: 'The stream notifier failed on records or on posting to WebSocket subscribers (see its logs)',
      metric: new Metric({
        namespace: props.metricsNamespace,
        metricName: 'NotifierFailures',
        dimensionsMap: { service: props.serviceName },
        statistic: 'Sum',
        period: fiveMinutes,
      }),
      threshold: 0,
    });
    const queue = (type: string) => props.queues[type] as Queue;
    const deadLetterQueue = (type: string) => props.deadLetterQueues[type] as Queue;
    const wake = (statistic: string) =>
      new Metric({
        namespace: props.metricsNamespace,
        metricName: 'LongPollWakeLatencyMs',
        dimensionsMap: { service: props.serviceName },
        statistic,
        period: Duration.minutes(1),
        label: statistic,
      });

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${Stack.of(this).stackName}-jobs` });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depth (visible)',
        left: perType((t) => queue(t).metricApproximateNumberOfMessagesVisible({ label: t })),
      }),
      new GraphWidget({
        title: 'In flight / delayed',
        left: perType((t) => queue(t).metricApproximateNumberOfMessagesNotVisible({ label: `${t} in flight` })),
        right: perType((t) =>
          queue(t).metric('ApproximateNumberOfMessagesDelayed', { label: `${t} delayed`, statistic: 'Maximum' }),
        ),
      }),
      new GraphWidget({
        title: 'Dead-letter queues',
        left: perType((t) => deadLetterQueue(t).metricApproximateNumberOfMessagesVisible({ label: t })),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Jobs submitted', left: perType((t) => jobMetric('JobsSubmitted', t)) }),
      new GraphWidget({ title: 'Jobs completed', left: perType((t) => jobMetric('JobsCompleted', t)) }),
      new GraphWidget({ title: 'Jobs failed', left: perType((t) => jobMetric('JobsFailed', t)) }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Job duration p99 (ms)', left: perType((t) => jobMetric('JobDurationMs', t, 'p99')) }),
      new GraphWidget({ title: 'Long-poll wake latency (ms)', left: ['p50', 'p95', 'p99'].map(wake) }),
      new GraphWidget({
        title: 'Function errors',
        left: functions.map((fn) => fn.metricErrors({ label: nameOf(fn, 1), statistic: 'Sum' })),
      }),
    );
  }
}

import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
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
}

/**
 * Errors and throttles alarms for every function of the stack, and one CloudWatch dashboard:
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

import { App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { JobsStack, type JobsStackProps } from '../../lib/jobs-stack';

type Resource = { Properties: Record<string, unknown>; Type: string };

function synth(props: JobsStackProps = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new JobsStack(app, 'Prod', props));
}

const template = synth({ alarmEmail: 'ops@example.com', apiThrottle: { rateLimit: 7, burstLimit: 9 } });
const resources = (type: string) => Object.entries(template.findResources(type)) as [string, Resource][];

/** "POST /jobs/{id}" for every method, from the resource tree. */
function routes(t: Template): Map<string, Resource> {
  const parts = new Map<string, { path: string; parent: unknown }>();
  for (const [id, r] of Object.entries(t.findResources('AWS::ApiGateway::Resource')) as [string, Resource][]) {
    parts.set(id, { path: String(r.Properties.PathPart), parent: r.Properties.ParentId });
  }
  const pathOf = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    const part = id ? parts.get(id) : undefined;
    return part ? `${pathOf(part.parent)}/${part.path}` : '';
  };
  const result = new Map<string, Resource>();
  for (const [, m] of Object.entries(t.findResources('AWS::ApiGateway::Method')) as [string, Resource][]) {
    result.set(`${String(m.Properties.HttpMethod)} ${pathOf(m.Properties.ResourceId) || '/'}`, m);
  }
  return result;
}

describe('security', () => {
  test('every write route needs the API key; reads do not by default', () => {
    for (const [route, method] of routes(template)) {
      const isWrite = !route.startsWith('GET') && !route.startsWith('OPTIONS');
      expect({ route, apiKeyRequired: Boolean(method.Properties.ApiKeyRequired) }).toEqual({
        route,
        apiKeyRequired: isWrite,
      });
    }
  });

  test('requireApiKeyForReads puts reads behind the key too, but not the dashboard page', () => {
    const locked = routes(synth({ requireApiKeyForReads: true }));
    expect(locked.get('GET /jobs/{id}')?.Properties.ApiKeyRequired).toBe(true);
    expect(locked.get('GET /jobs/{id}/status')?.Properties.ApiKeyRequired).toBe(true);
    expect(locked.get('GET /dashboard')?.Properties.ApiKeyRequired).toBeFalsy();
  });

  test('a usage plan with the given throttling holds the API key', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 7, BurstLimit: 9 } });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
  });

  test('job bodies are validated by API Gateway before a function runs', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    for (const route of ['POST /jobs/email', 'POST /jobs/sms', 'POST /jobs/cleanup', 'PUT /jobs/{id}']) {
      const method = routes(template).get(route);
      expect(method?.Properties.RequestValidatorId).toBeDefined();
      expect(method?.Properties.RequestModels).toEqual({ 'application/json': expect.anything() });
    }
  });

  test('every queue is encrypted and refuses requests without TLS', () => {
    const queues = resources('AWS::SQS::Queue');
    for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = resources('AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(queues.length);
    for (const [, policy] of policies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  test('every table has point-in-time recovery', () => {
    for (const [, table] of resources('AWS::DynamoDB::Table')) {
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  test('read-only functions get no write permissions', () => {
    const roles = resources('AWS::IAM::Policy').filter(([id]) => id.startsWith('ApiGetJobServiceRoleDefaultPolicy'));
    expect(roles).toHaveLength(1);
    for (const [, policy] of roles) {
      const actions = JSON.stringify(policy.Properties.PolicyDocument);
      expect(actions).not.toMatch(/dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)/);
      expect(actions).not.toMatch(/sqs:SendMessage/);
    }
  });
});

describe('observability', () => {
  test('API access logs go to a log group, with execution logging, metrics and tracing on the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([Match.objectLike({ LoggingLevel: 'ERROR', MetricsEnabled: true })]),
    });
  });

  test('every function is traced and its logs are kept for the configured retention', () => {
    for (const [, fn] of resources('AWS::Lambda::Function'))
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    const retained = synth({ logRetention: RetentionDays.ONE_WEEK });
    for (const [, group] of Object.entries(retained.findResources('AWS::Logs::LogGroup')) as [string, Resource][]) {
      expect(group.Properties.RetentionInDays).toBe(7);
    }
  });

  test('alarms on DLQ depth > 0 and message age, per queue, go to the alarm topic', () => {
    const alarms = resources('AWS::CloudWatch::Alarm');
    const dlq = alarms.filter(([, a]) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    const age = alarms.filter(([, a]) => a.Properties.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(dlq).toHaveLength(3);
    expect(age).toHaveLength(3);
    for (const [, alarm] of dlq)
      expect(alarm.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    for (const [, alarm] of age) expect(alarm.Properties.Threshold).toBe(3600);
    const topic = resources('AWS::SNS::Topic')[0]?.[0];
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    const shorter = synth({ maxMessageAge: Duration.minutes(10) });
    shorter.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 600,
    });
  });

  test('every function has an errors alarm and a throttles alarm', () => {
    const functions = resources('AWS::Lambda::Function').length;
    const alarms = resources('AWS::CloudWatch::Alarm');
    expect(alarms.filter(([, a]) => a.Properties.MetricName === 'Errors')).toHaveLength(functions);
    expect(alarms.filter(([, a]) => a.Properties.MetricName === 'Throttles')).toHaveLength(functions);
  });

  test('alarms are e-mailed when an address is given, over TLS only', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny' })]) }),
    });
    synth().resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('a CloudWatch dashboard shows queue depths, job outcomes and long-poll wake latency', () => {
    const [[, dashboard] = ['', undefined]] = resources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'JobsCompleted',
      'JobsFailed',
      'JobsSubmitted',
      'LongPollWakeLatencyMs',
    ]) {
      expect(body).toContain(metric);
    }
  });
});

describe('schedules', () => {
  test('by default, the cleanup type’s own schedule enqueues delete_temp daily at 00:00 UTC, one job per day', () => {
    synth().hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 0 * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Input: JSON.stringify({
            type: 'cleanup',
            schedule: 'daily-cleanup',
            period: 'day',
            payload: { task: 'delete_temp' },
          }),
        }),
      ],
    });
  });

  test('a deployment may replace the schedules: another task, hourly, one job per minute', () => {
    const custom = synth({
      schedules: [
        { type: 'cleanup', name: 'hourly-sessions', cron: { minute: '15' }, payload: { task: 'expire_sessions' } },
      ],
    });
    expect(JSON.stringify(custom.findResources('AWS::Events::Rule'))).not.toContain('cron(0 0 * * ? *)');
    custom.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(15 * * * ? *)',
      Targets: [Match.objectLike({ Input: Match.stringLikeRegexp('"task":"expire_sessions"') })],
    });
  });

  test('a schedule of a type that is not registered is refused at synth time', () => {
    expect(() =>
      synth({ schedules: [{ type: 'fax', name: 'nightly-fax', cron: { minute: '0', hour: '1' }, payload: {} }] }),
    ).toThrow(/fax/);
  });
});

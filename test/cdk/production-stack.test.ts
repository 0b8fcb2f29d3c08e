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
  const OPEN_ROUTES = ['GET /dashboard', 'GET /dashboard/{file}', 'GET /health', 'GET /openapi.json'];

  test('every route but the open ones runs the token authorizer and is metered by a usage-plan key', () => {
    const authorizerId = resources('AWS::ApiGateway::Authorizer')[0]?.[0];
    for (const [route, method] of routes(template)) {
      const open = OPEN_ROUTES.includes(route);
      expect({ route, authorizationType: method.Properties.AuthorizationType ?? 'NONE' }).toEqual({
        route,
        authorizationType: open ? 'NONE' : 'CUSTOM',
      });
      expect({ route, apiKeyRequired: Boolean(method.Properties.ApiKeyRequired) }).toEqual({
        route,
        apiKeyRequired: !open,
      });
      if (!open) expect(method.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    }
  });

  test('openReadRoutes opens the read routes only: writes, token routes and operations keep the authorizer', () => {
    const opened = routes(synth({ openReadRoutes: true }));
    for (const route of ['GET /jobs/{id}', 'GET /jobs/{id}/status', 'GET /jobs', 'GET /stats', 'GET /queues'])
      expect(opened.get(route)?.Properties.AuthorizationType).toBe('NONE');
    for (const route of ['POST /jobs/email', 'DELETE /jobs/{id}', 'GET /tokens', 'POST /queues/{type}/redrive'])
      expect(opened.get(route)?.Properties.AuthorizationType).toBe('CUSTOM');
  });

  test('a REQUEST authorizer, uncached while x-api-key is accepted, cached per token and route otherwise', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: Match.absent(),
    });
    synth({ acceptApiKeyHeader: false, tokenCacheTtl: Duration.seconds(120) }).hasResourceProperties(
      'AWS::ApiGateway::Authorizer',
      {
        Type: 'REQUEST',
        AuthorizerResultTtlInSeconds: 120,
        IdentitySource: 'method.request.header.Authorization,context.httpMethod,context.resourcePath',
      },
    );
  });

  test('the API reads usage-plan keys from the authorizer; the plan throttles and caps each token per day', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 7, BurstLimit: 9 },
      Quota: { Limit: 1_000_000, Period: 'DAY' },
    });
    synth({ apiDailyQuota: 500 }).hasResourceProperties('AWS::ApiGateway::UsagePlan', { Quota: { Limit: 500 } });
    // Keys come with tokens (POST /tokens), none with the stack.
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
  });

  test('the stage throttles every route, open ones included, with documented defaults', () => {
    const throttleOf = (t: Template) =>
      (Object.values(t.findResources('AWS::ApiGateway::Stage'))[0] as Resource).Properties.MethodSettings;
    expect(throttleOf(template)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 500,
          ThrottlingBurstLimit: 1000,
        }),
      ]),
    );
    expect(throttleOf(synth({ stageThrottle: { rateLimit: 20, burstLimit: 40 } }))).toEqual(
      expect.arrayContaining([expect.objectContaining({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })]),
    );
  });

  test('the tokens table is keyed by token id, encrypted, with point-in-time recovery', () => {
    const tables = resources('AWS::DynamoDB::Table').filter(([id]) => id.startsWith('Tokens'));
    expect(tables).toHaveLength(1);
    expect(tables[0]?.[1].Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('the authorizer may only read tokens; the token routes create and delete usage-plan keys', () => {
    const policies = resources('AWS::IAM::Policy');
    const statementsOf = (prefix: string) =>
      policies
        .filter(([id]) => id.startsWith(prefix))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement)
        .flatMap((statement) => ([] as string[]).concat(statement.Action));
    expect(statementsOf('TokensAuthorizer').filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
    expect(statementsOf('ApiCreateToken')).toEqual(expect.arrayContaining(['apigateway:POST', 'apigateway:DELETE']));
    expect(statementsOf('ApiRevokeToken')).toEqual(expect.arrayContaining(['apigateway:DELETE']));
    expect(statementsOf('ApiRevokeToken')).not.toContain('apigateway:POST');
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
    // The job types' DLQs (the stream mappings' on-failure queues have their own alarms, test/cdk/hardening.test.ts).
    const dlq = alarms.filter(
      ([, a]) =>
        a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        /dead-letter queue/.test(String(a.Properties.AlarmDescription)),
    );
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

  test('throttling of the jobs table, and of each sharded index with the shard count to raise, alarms', () => {
    const [jobsTableId] = resources('AWS::DynamoDB::Table').find(([, t]) =>
      JSON.stringify(t.Properties.GlobalSecondaryIndexes ?? []).includes('byDue'),
    )!;
    const alarms = resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const onIndex = (indexName: string) =>
      alarms.filter(
        (a) =>
          a.Namespace === 'AWS/DynamoDB' &&
          a.MetricName === 'WriteThrottleEvents' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([
              { Name: 'GlobalSecondaryIndexName', Value: indexName },
              { Name: 'TableName', Value: { Ref: jobsTableId } },
            ]),
      );
    for (const [indexName, shards] of [
      ['byTypeShard', 'listing'],
      ['byStatusTypeShard', 'listing'],
      ['byDue', 'due'],
    ] as const) {
      const [alarm, ...others] = onIndex(indexName);
      expect(others).toEqual([]);
      expect(alarm).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 0 });
      expect(alarm?.AlarmDescription).toContain(`raise indexShards.${shards}`);
    }
    const [table] = alarms.filter((a) => JSON.stringify(a.Metrics ?? []).includes('ReadThrottleEvents'));
    expect(JSON.stringify(table?.Metrics)).toContain('WriteThrottleEvents');
    expect(JSON.stringify(table?.Metrics)).toContain(`{"Name":"TableName","Value":{"Ref":"${jobsTableId}"}}`);
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

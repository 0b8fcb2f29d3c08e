import { App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { cleanup } from '../../src/job-types/cleanup';
import { jobTypes } from '../../src/job-types';
import { maxReceiveCount } from '../../src/jobs/job-type-config';
import { SUMMARY_ATTRIBUTES } from '../../src/jobs/job-summary';
import { JobsStack } from '../../lib/jobs-stack';

type Resource = { Properties: Record<string, unknown> };

/** Synthesises without esbuild bundling: these tests read the template, not the code. */
function synth(props: ConstructorParameters<typeof JobsStack>[2] = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new JobsStack(app, 'Test', props));
}

const template = synth();
const resources = (type: string) => Object.entries(template.findResources(type)) as [string, Resource][];
const logicalIdOf = (ref: unknown): string => {
  const value = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return value.Ref ?? value['Fn::GetAtt']?.[0] ?? '';
};
const configOf = (type: string) => {
  const definition = jobTypes.find((candidate) => candidate.name === type);
  if (!definition) throw new Error(`no job type ${type}`);
  return definition.config;
};
const sqsMappings = () =>
  resources('AWS::Lambda::EventSourceMapping').filter(
    ([, m]) => (m.Properties.EventSourceArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][1] === 'Arn',
  );

describe('JobsStack', () => {
  test('every job queue redrives to its own dead-letter queue above maxAttempts', () => {
    const queues = resources('AWS::SQS::Queue');
    const sources = queues.filter(([, q]) => q.Properties.RedrivePolicy);
    expect(sources).toHaveLength(jobTypes.length);
    const dlqs = new Set(
      sources.map(([, q]) =>
        logicalIdOf((q.Properties.RedrivePolicy as { deadLetterTargetArn: unknown }).deadLetterTargetArn),
      ),
    );
    expect(dlqs.size).toBe(jobTypes.length);
    // Besides: the on-failure queues of the stream mappings.
    const failureQueues = new Set(
      resources('AWS::Lambda::EventSourceMapping').flatMap(([, m]) => {
        const destination = (m.Properties.DestinationConfig as { OnFailure?: { Destination: unknown } } | undefined)
          ?.OnFailure?.Destination;
        return destination ? [logicalIdOf(destination)] : [];
      }),
    );
    expect(queues.filter(([id]) => !failureQueues.has(id))).toHaveLength(jobTypes.length * 2);
    const functions = Object.fromEntries(resources('AWS::Lambda::Function'));
    const queueById = Object.fromEntries(queues);
    for (const [, mapping] of sqsMappings()) {
      const fn = functions[logicalIdOf(mapping.Properties.FunctionName)];
      const type = (fn?.Properties.Environment as { Variables: { JOB_TYPE: string } }).Variables.JOB_TYPE;
      const policy = queueById[logicalIdOf(mapping.Properties.EventSourceArn)]?.Properties.RedrivePolicy as {
        maxReceiveCount: number;
      };
      expect(policy.maxReceiveCount).toBeGreaterThan(configOf(type).maxAttempts);
    }
  });

  test('the jobs table is on-demand with a NEW_AND_OLD_IMAGES stream and a TTL attribute', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test('each consumer reports batch item failures with the batch size and concurrency of its type', () => {
    const mappings = sqsMappings();
    expect(mappings).toHaveLength(jobTypes.length);
    const functions = Object.fromEntries(resources('AWS::Lambda::Function'));
    for (const [, mapping] of mappings) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      const fn = functions[logicalIdOf(mapping.Properties.FunctionName)];
      const type = (fn?.Properties.Environment as { Variables: { JOB_TYPE: string } }).Variables.JOB_TYPE;
      expect(mapping.Properties.BatchSize).toBe(configOf(type).batchSize);
      expect(mapping.Properties.ScalingConfig).toEqual({
        MaximumConcurrency: configOf(type).maxConcurrency,
      });
    }
  });

  test('pausing a queue switches only the consumer mappings: each type names its own, IAM covers exactly them', () => {
    const mappingIds = sqsMappings().map(([id]) => id);
    const functions = resources('AWS::Lambda::Function');
    const controller = functions.find(([id]) => id.includes('ControlQueue'));
    expect(controller).toBeDefined();
    const variables = (controller![1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const type of jobTypes.map((t) => t.name)) {
      const variable = variables[`${type.toUpperCase().replace(/-/g, '_')}_CONSUMER_MAPPING_ID`];
      expect(mappingIds).toContain(logicalIdOf(variable));
    }
    const statements = resources('AWS::IAM::Policy').flatMap(
      ([, policy]) =>
        (policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] })
          .Statement,
    );
    const switching = statements.filter((statement) =>
      ([] as string[]).concat(statement.Action).includes('lambda:UpdateEventSourceMapping'),
    );
    expect(switching).toHaveLength(1);
    const arns = JSON.stringify(switching[0]!.Resource);
    for (const id of mappingIds) expect(arns).toContain(id);
    expect(arns).toContain('event-source-mapping:');
  });

  test("each queue's visibility timeout is at least six times its consumer's timeout", () => {
    const queues = Object.fromEntries(resources('AWS::SQS::Queue'));
    const functions = Object.fromEntries(resources('AWS::Lambda::Function'));
    for (const [, mapping] of sqsMappings()) {
      const queue = queues[logicalIdOf(mapping.Properties.EventSourceArn)];
      const fn = functions[logicalIdOf(mapping.Properties.FunctionName)];
      expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn?.Properties.Timeout as number));
    }
  });

  test('every function runs nodejs24.x on arm64', () => {
    const functions = resources('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(jobTypes.length + 4);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  test('per-type configuration given as stack props reaches the queue, mapping and function', () => {
    const custom = synth({
      jobTypeOverrides: {
        cleanup: { timeoutSeconds: 5, maxAttempts: 2, batchSize: 3, maxConcurrency: 4, memorySize: 1024 },
      },
    });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 5,
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ JOB_TYPE: 'cleanup' }) },
    });
    custom.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 30,
      RedrivePolicy: Match.objectLike({
        maxReceiveCount: maxReceiveCount({ ...cleanup.config, maxAttempts: 2 }),
      }),
    });
    custom.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 3,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  test('a configuration that breaks an AWS limit is refused at synth time', () => {
    expect(() => synth({ jobTypeOverrides: { email: { maxConcurrency: 1 } } })).toThrow(/maxConcurrency/);
    expect(() => synth({ jobTypeOverrides: { sms: { backoff: { baseMs: 1000, capMs: 13 * 3600 * 1000 } } } })).toThrow(
      /12 h/,
    );
  });

  test('the REST API routes submissions, reads and health to Lambda proxy integrations', () => {
    const paths = resources('AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart);
    expect(paths).toEqual(
      expect.arrayContaining(['health', 'jobs', 'email', 'sms', 'cleanup', '{id}', 'status', 'retry', 'job-types']),
    );
    for (const [, method] of resources('AWS::ApiGateway::Method')) {
      expect((method.Properties.Integration as { Type: string }).Type).toBe('AWS_PROXY');
    }
  });

  test('outputs give the API URL, the table name and every queue URL', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'JobsTableName', 'EmailQueueUrl', 'SmsQueueUrl', 'CleanupQueueUrl']),
    );
  });

  test('long polls are woken by a notifier on the jobs stream that reports batch item failures', () => {
    const table = resources('AWS::DynamoDB::Table').find(
      ([, t]) => t.Properties.StreamSpecification as object | undefined,
    )?.[0];
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [table, 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'LATEST',
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'jobId', KeyType: 'HASH' },
        { AttributeName: 'waiterId', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test("the status function answers before API Gateway gives up, and may only touch this stack's inboxes", () => {
    const statusFunction = resources('AWS::Lambda::Function').find(
      ([, fn]) =>
        Object.keys((fn.Properties.Environment as { Variables: object }).Variables).includes('INBOX_QUEUE_PREFIX') &&
        Object.keys((fn.Properties.Environment as { Variables: object }).Variables).includes(
          'LONG_POLL_MAX_TIMEOUT_MS',
        ),
    );
    expect(statusFunction?.[1].Properties.Timeout).toBeLessThan(29);
    const inboxStatements = resources('AWS::IAM::Policy')
      .flatMap(
        ([, p]) =>
          (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
      )
      .filter((st) => [st.Action].flat().some((a) => a === 'sqs:CreateQueue' || a === 'sqs:DeleteQueue'));
    expect(inboxStatements.length).toBeGreaterThanOrEqual(2);
    for (const statement of inboxStatements) expect(JSON.stringify(statement.Resource)).toContain('Test-inbox-*');
  });

  test('every function that changes jobs may wake their long polls itself: the waiters table and a send to the inboxes', () => {
    const waitersTable = resources('AWS::DynamoDB::Table').find(([id]) => id.startsWith('LongPollWaitersTable'))?.[0];
    const policyOf = (functionId: string) =>
      JSON.stringify(
        resources('AWS::IAM::Policy').find(([id]) => id.startsWith(`${functionId}ServiceRoleDefaultPolicy`))?.[1]
          .Properties.PolicyDocument,
      );
    for (const writer of [
      'EmailWorkerConsumer',
      'SmsWorkerConsumer',
      'CleanupWorkerConsumer',
      'ApiReportExternalStatus',
      'ApiCancelJob',
      'ApiRetryJob',
    ]) {
      const fn = resources('AWS::Lambda::Function').find(([id]) => id.startsWith(writer))?.[1];
      expect({
        writer,
        env: (fn?.Properties.Environment as { Variables: Record<string, unknown> }).Variables.WAITERS_TABLE_NAME,
      }).toEqual({
        writer,
        env: { Ref: waitersTable },
      });
      expect(policyOf(writer)).toMatch(/"sqs:SendMessage".*?Test-inbox-\*/);
      expect(policyOf(writer)).toMatch(new RegExp(`"dynamodb:Query".*?"${waitersTable}"`));
    }
  });

  describe('bounds on long polls and on what indexes cost', () => {
    const statusFunctions = (of: Template) =>
      (Object.values(of.findResources('AWS::Lambda::Function')) as Resource[]).filter((fn) =>
        // The SSE function gets the waiter grants too; only the status function has the long-poll maximum.
        Object.keys((fn.Properties.Environment as { Variables: object }).Variables).includes(
          'LONG_POLL_MAX_TIMEOUT_MS',
        ),
      );
    const eventStreamFunctions = (of: Template) =>
      (Object.values(of.findResources('AWS::Lambda::Function')) as Resource[]).filter(
        (fn) => fn.Properties.Description === "Streams a job's status changes as Server-Sent Events",
      );

    test('the status function reserves 100 executions and caps each token at 10 open long polls by default', () => {
      const [statusFunction, ...others] = statusFunctions(template);
      expect(others).toHaveLength(0);
      expect(statusFunction?.Properties.ReservedConcurrentExecutions).toBe(100);
      expect(statusFunction?.Properties.Environment).toMatchObject({
        Variables: {
          JOBS_LONG_POLLS_PER_TOKEN: '10',
          LONG_POLL_SLOTS_TABLE_NAME: { Ref: expect.stringMatching(/^LongPollSlotsTable/) },
        },
      });
      // The event streams hold environments too: they reserve 50 and count against the same per-token cap.
      const [eventStreamFunction] = eventStreamFunctions(template);
      expect(eventStreamFunction?.Properties.ReservedConcurrentExecutions).toBe(50);
      expect(eventStreamFunction?.Properties.Environment).toMatchObject({
        Variables: { JOBS_LONG_POLLS_PER_TOKEN: '10' },
      });
      // Nothing else reserves: the rest of the account stays shared by consumers, the notifier and the API.
      const reserving = resources('AWS::Lambda::Function').filter(
        ([, fn]) => fn.Properties.ReservedConcurrentExecutions !== undefined,
      );
      expect(reserving).toHaveLength(2);
    });

    test('the slots table is keyed by holder and expires idle holders by TTL', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'holder', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
    });

    test('the reservation and the per-token cap are props; false reserves nothing; bad values are refused', () => {
      const tuned = synth({
        longPollReservedConcurrency: false,
        eventStreamReservedConcurrency: 7,
        longPollsPerToken: 3,
      });
      const [statusFunction] = statusFunctions(tuned);
      expect(statusFunction?.Properties.ReservedConcurrentExecutions).toBeUndefined();
      expect(eventStreamFunctions(tuned)[0]?.Properties.ReservedConcurrentExecutions).toBe(7);
      expect(eventStreamFunctions(synth({ eventStreamReservedConcurrency: false }))[0]?.Properties).not.toHaveProperty(
        'ReservedConcurrentExecutions',
      );
      expect(statusFunction?.Properties.Environment).toMatchObject({ Variables: { JOBS_LONG_POLLS_PER_TOKEN: '3' } });
      expect(() => synth({ longPollsPerToken: 0 })).toThrow(/longPollsPerToken/);
      expect(() => synth({ longPollReservedConcurrency: 0 })).toThrow(/longPollReservedConcurrency/);
      expect(() => synth({ eventStreamReservedConcurrency: 2.5 })).toThrow(/eventStreamReservedConcurrency/);
    });

    test('listing indexes are sharded by key; by type holds keys only, by status and type the summary only', () => {
      const [jobsTable] = resources('AWS::DynamoDB::Table').filter(([, t]) =>
        JSON.stringify(t.Properties.KeySchema).includes('"id"'),
      );
      type Index = {
        IndexName: string;
        KeySchema: { AttributeName: string; KeyType: string }[];
        Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
      };
      const indexes = jobsTable?.[1].Properties.GlobalSecondaryIndexes as Index[];
      const byName = Object.fromEntries(indexes.map((index) => [index.IndexName, index]));
      expect(Object.keys(byName).sort()).toEqual(['byDue', 'byStatusTypeShard', 'byTypeShard']);
      for (const [name, partitionKey] of [
        ['byTypeShard', 'typeShard'],
        ['byStatusTypeShard', 'statusTypeShard'],
      ] as const) {
        expect(byName[name]?.KeySchema).toEqual([
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ]);
      }
      // No update of a job rewrites its by-type entry: nothing but keys is in it.
      expect(byName.byTypeShard?.Projection).toEqual({ ProjectionType: 'KEYS_ONLY' });
      expect(byName.byStatusTypeShard?.Projection.ProjectionType).toBe('INCLUDE');
      const projected = new Set([...(byName.byStatusTypeShard?.Projection.NonKeyAttributes ?? []), 'id', 'createdAt']);
      for (const attribute of SUMMARY_ATTRIBUTES) expect(projected).toContain(attribute);
      for (const attribute of ['payload', 'result', 'history']) expect(projected).not.toContain(attribute);
      // The reconciler's sharded due index keeps its keys.
      expect(byName.byDue?.KeySchema).toEqual([
        { AttributeName: 'dueShard', KeyType: 'HASH' },
        { AttributeName: 'dueAt', KeyType: 'RANGE' },
      ]);
    });

    test('every function that names the jobs table is told its shard counts: 8 and 16, or indexShards', () => {
      const shardsOf = (stack: Template) =>
        Object.entries(stack.findResources('AWS::Lambda::Function')).flatMap(([id, fn]) => {
          const environment = (fn as Resource).Properties.Environment as { Variables?: Record<string, unknown> };
          const variables = environment?.Variables ?? {};
          if (!variables.JOBS_TABLE_NAME) return [];
          return [[id, { listing: variables.JOBS_LISTING_SHARDS, due: variables.JOBS_DUE_SHARDS }] as const];
        });
      const defaults = shardsOf(template);
      // Submit, get, list, retry, redrive, cancel, the workers, the reconciler, the realtime messages, …
      expect(defaults.length).toBeGreaterThanOrEqual(12);
      for (const [, shards] of defaults) expect(shards).toEqual({ listing: '8', due: '16' });
      const raised = shardsOf(synth({ indexShards: { listing: 32 } }));
      expect(raised.map(([id]) => id)).toEqual(defaults.map(([id]) => id));
      for (const [, shards] of raised) expect(shards).toEqual({ listing: '32', due: '16' });
      for (const listing of [0, 2.5, 101]) {
        expect(() => synth({ indexShards: { listing } })).toThrow(
          `indexShards.listing must be a whole number from 1 to 100, got ${listing}`,
        );
      }
      expect(() => synth({ indexShards: { due: -1 } })).toThrow(/indexShards\.due/);
    });
  });

  test('a long-poll maximum that would outlast API Gateway is refused', () => {
    expect(() => synth({ maxLongPollTimeoutMs: 30_000 })).toThrow(/maxLongPollTimeoutMs/);
  });

  test('scheduled rules record dead letters every minute and remove idle inboxes', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)', State: 'ENABLED' });
  });

  test('GET /jobs/{id}/events streams from its function, which ends before the integration times out', () => {
    const events = resources('AWS::ApiGateway::Resource').find(([, r]) => r.Properties.PathPart === 'events');
    const method = resources('AWS::ApiGateway::Method').find(
      ([, m]) => logicalIdOf(m.Properties.ResourceId) === events?.[0] && m.Properties.HttpMethod === 'GET',
    );
    const integration = method?.[1].Properties.Integration as Record<string, unknown>;
    expect(integration.Type).toBe('AWS_PROXY');
    expect(integration.ResponseTransferMode).toBe('STREAM');
    const uri = JSON.stringify(integration.Uri);
    expect(uri).toContain(':lambda:path/2021-11-15/functions/');
    expect(uri).toMatch(/"\/response-streaming-invocations"\]/);
    expect(method?.[1].Properties.AuthorizationType).toBe('CUSTOM');
    const functionId = /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(uri)?.[1] ?? '';
    const fn = template.findResources('AWS::Lambda::Function')[functionId] as Resource;
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables)).toEqual(expect.arrayContaining(['INBOX_QUEUE_PREFIX', 'WAITERS_TABLE_NAME']));
    // The function ends the stream first (a cold start's init is not counted in its timeout).
    expect(Number(fn.Properties.Timeout) * 1000 + 10_000).toBeLessThanOrEqual(Number(integration.TimeoutInMillis));
    expect(Number(integration.TimeoutInMillis)).toBeLessThanOrEqual(900_000);
  });
});

describe('JobCounters (the counters behind GET /stats and the charts)', () => {
  const countersTable = () => {
    const [entry] = resources('AWS::DynamoDB::Table').filter(([id]) => id.startsWith('JobCountersTable'));
    if (!entry) throw new Error('no counters table');
    return entry;
  };
  const functionNamed = (prefix: string, stack = template) => {
    const [entry] = Object.entries(stack.findResources('AWS::Lambda::Function')).filter(([id]) =>
      id.startsWith(prefix),
    ) as [string, Resource][];
    if (!entry) throw new Error(`no function ${prefix}`);
    return entry;
  };
  const environmentOf = (fn: Resource) =>
    (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

  test('the table is keyed by pk and sk, on demand, with TTL on expiresAt', () => {
    const [, table] = countersTable();
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  test('its own function reads the jobs stream from the oldest record, retrying halved batches', () => {
    const [functionId] = functionNamed('JobCountersFunction');
    const [jobsTableId] = resources('AWS::DynamoDB::Table').find(([id]) => id.startsWith('JobsTable'))!;
    const mappings = resources('AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => logicalIdOf(m.Properties.FunctionName) === functionId,
    );
    expect(mappings).toHaveLength(1);
    const [, mapping] = mappings[0]!;
    expect(mapping.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [jobsTableId, 'StreamArn'] });
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
    });
    // Two readers of the stream: the long-poll notifier and the counters.
    const streamReaders = resources('AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => (m.Properties.EventSourceArn as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[1] === 'StreamArn',
    );
    expect(streamReaders).toHaveLength(2);
  });

  test('both stream readers take one batch per shard at a time, or streamParallelizationFactor', () => {
    const factorsOf = (stack: Template) =>
      Object.values(stack.findResources('AWS::Lambda::EventSourceMapping'))
        .map((m) => (m as Resource).Properties)
        .filter((p) => (p.EventSourceArn as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[1] === 'StreamArn')
        .map((p) => p.ParallelizationFactor);
    expect(factorsOf(template)).toEqual([1, 1]);
    expect(factorsOf(synth({ streamParallelizationFactor: 4 }))).toEqual([4, 4]);
    for (const factor of [0, 11, 1.5]) {
      expect(() => synth({ streamParallelizationFactor: factor })).toThrow(
        `streamParallelizationFactor must be a whole number from 1 to 10, got ${factor}`,
      );
    }
  });

  test('per-minute counters are kept 7 days unless statsRetention says otherwise', () => {
    expect(environmentOf(functionNamed('JobCountersFunction')[1]).COUNTER_MINUTE_RETENTION_SECONDS).toBe('604800');
    const shorter = synth({ statsRetention: Duration.days(2) });
    expect(environmentOf(functionNamed('JobCountersFunction', shorter)[1]).COUNTER_MINUTE_RETENTION_SECONDS).toBe(
      '172800',
    );
  });

  test('stats: false leaves out the counters table, their stream reader, both functions and both routes', () => {
    const without = synth({ stats: false });
    const ids = (type: string) => Object.keys(without.findResources(type));
    expect(ids('AWS::DynamoDB::Table').filter((id) => id.startsWith('JobCounters'))).toEqual([]);
    expect(() => functionNamed('JobCountersFunction', without)).toThrow('no function');
    expect(() => functionNamed('ApiGetStats', without)).toThrow('no function');
    const paths = Object.values(without.findResources('AWS::ApiGateway::Resource')).map(
      (r) => (r as Resource).Properties.PathPart,
    );
    expect(paths).toContain('jobs');
    expect(paths).not.toContain('stats');
    // One reader of the jobs stream is left: the long-poll notifier.
    const streamReaders = Object.values(without.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (m) =>
        ((m as Resource).Properties.EventSourceArn as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[1] === 'StreamArn',
    );
    expect(streamReaders).toHaveLength(1);
  });

  test('GET /stats and GET /stats/series only Query the counters table, and never read the jobs table', () => {
    const [countersId] = countersTable();
    for (const prefix of ['ApiGetStatsSeries', 'ApiGetStats']) {
      const [, fn] = functionNamed(prefix);
      expect(environmentOf(fn).COUNTERS_TABLE_NAME).toEqual({ Ref: countersId });
      expect(environmentOf(fn).JOBS_TABLE_NAME).toBeUndefined();
      const roleId = logicalIdOf(fn.Properties.Role);
      const statements = resources('AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles as unknown[]).some((role) => logicalIdOf(role) === roleId))
        .flatMap(
          ([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
        )
        .filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
      expect(statements).toEqual([
        expect.objectContaining({
          Action: 'dynamodb:Query',
          Resource: [{ 'Fn::GetAtt': [countersId, 'Arn'] }],
        }),
      ]);
    }
  });
});

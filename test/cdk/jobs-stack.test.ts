import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { cleanup } from '../../src/job-types/cleanup';
import { jobTypes } from '../../src/job-types';
import { maxReceiveCount } from '../../src/jobs/job-type-config';
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
        Object.keys((fn.Properties.Environment as { Variables: object }).Variables).includes('JOBS_TABLE_NAME'),
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

  test('a long-poll maximum that would outlast API Gateway is refused', () => {
    expect(() => synth({ maxLongPollTimeoutMs: 30_000 })).toThrow(/maxLongPollTimeoutMs/);
  });

  test('scheduled rules record dead letters every minute and remove idle inboxes', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)', State: 'ENABLED' });
  });
});

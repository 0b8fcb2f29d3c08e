/** The cost model reads what a template configures and prices one job's requests, compute, writes and logs. */
import {
  ASSUMED_FIGURES,
  costPerJob,
  dynamoDbItemBytes,
  readStackModel,
  type JobFigures,
  type Template,
} from '../../scripts/cost/cost-model';
import { STATUS_TYPE_SHARD_ATTRIBUTE } from '../../src/aws/dynamodb-job-item';

const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });
const lambda = (memory: number, environment: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    MemorySize: memory,
    Architectures: ['arm64'],
    TracingConfig: { Mode: 'Active' },
    Environment: { Variables: environment },
  },
});
const backend: Template['Resources'] = {
  Submit: lambda(1024),
  Consumer: lambda(256, { JOB_TYPE: 'email' }),
  Notifier: lambda(128),
  Queue: { Type: 'AWS::SQS::Queue' },
  Jobs: {
    Type: 'AWS::DynamoDB::Table',
    Properties: {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [{ AttributeName: 'status' }, { AttributeName: 'createdAt' }],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'byType',
          KeySchema: [{ AttributeName: 'type' }, { AttributeName: 'createdAt' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
        {
          IndexName: 'byStatusTypeShard',
          KeySchema: [{ AttributeName: STATUS_TYPE_SHARD_ATTRIBUTE }, { AttributeName: 'createdAt' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status', 'type'] },
        },
      ],
    },
  },
  ConsumerMapping: {
    Type: 'AWS::Lambda::EventSourceMapping',
    Properties: { EventSourceArn: getAtt('Queue', 'Arn'), FunctionName: { Ref: 'Consumer' }, BatchSize: 10 },
  },
  NotifierMapping: {
    Type: 'AWS::Lambda::EventSourceMapping',
    Properties: { EventSourceArn: getAtt('Jobs', 'StreamArn'), FunctionName: { Ref: 'Notifier' }, BatchSize: 4 },
  },
};
const restTemplate: Template = {
  Resources: {
    ...backend,
    Api: { Type: 'AWS::ApiGateway::RestApi' },
    Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { AccessLogSetting: { DestinationArn: 'arn' } } },
    JobsResource: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { ParentId: getAtt('Api', 'RootResourceId'), PathPart: 'jobs' },
    },
    EmailResource: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { ParentId: { Ref: 'JobsResource' }, PathPart: 'email' },
    },
    IdResource: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { ParentId: { Ref: 'JobsResource' }, PathPart: '{id}' },
    },
    EmailPost: {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        HttpMethod: 'POST',
        ResourceId: { Ref: 'EmailResource' },
        Integration: { Uri: { 'Fn::Join': ['', ['arn:…', getAtt('Submit', 'Arn'), '/invocations']] } },
      },
    },
    IdPost: {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        HttpMethod: 'POST',
        ResourceId: { Ref: 'IdResource' },
        Integration: { Uri: getAtt('Notifier', 'Arn') },
      },
    },
  },
};
const figures: JobFigures = {
  ...ASSUMED_FIGURES,
  itemBytes: 1500,
  durationMs: { submit: 20, consumer: 10, notifierPerRecord: 2, authorizer: 4 },
  initMs: 300,
  coldStartShare: 0.01,
  functionLogBytesPerJob: 1000,
  platformLogBytesPerInvocation: 300,
  accessLogBytesPerRequest: 400,
  tracedShare: 0.05,
  batchFill: 1,
};
const line = (cost: ReturnType<typeof costPerJob>, start: string) => cost.lines.find((l) => l.item.startsWith(start));

test('the model reads job routes, memory, batch sizes, indexes and access logs from the template', () => {
  const model = readStackModel(restTemplate);
  expect(model.api).toEqual({ kind: 'REST', logicalId: 'Api', accessLogs: true, executionLogLevel: undefined });
  expect(model.submitRoutes).toEqual({ email: 'Submit' }); // POST /jobs/{id} is not a job type
  expect(model.queueSources).toEqual([
    { functionId: 'Consumer', sourceId: 'Queue', batchSize: 10, parallelizationFactor: 1 },
  ]);
  expect(model.streamSources[0]).toMatchObject({ functionId: 'Notifier', sourceId: 'Jobs', batchSize: 4 });
  expect(model.tables.Jobs?.indexes.map((index) => [index.name, index.projection])).toEqual([
    ['byStatus', 'ALL'],
    ['byType', 'KEYS_ONLY'],
    ['byStatusTypeShard', 'INCLUDE'],
  ]);
});

test('one email job: a REST request, batched SQS receives, 1 KB write units in the table and each index it touches', () => {
  const cost = costPerJob(readStackModel(restTemplate), 'email', figures);
  expect(line(cost, 'REST API request')?.perMillionJobs).toBeCloseTo(3.5);
  // Submit: 1 GB × (20 ms + 1 % × 300 ms init) per job.
  expect(line(cost, 'submit compute')?.perJob).toBeCloseTo(0.023);
  // Consumer: one invocation per batch of 10, 10 × 10 ms each, 256 MB.
  expect(line(cost, 'email consumer requests')?.perJob).toBeCloseTo(0.1);
  expect(line(cost, 'email consumer compute')?.perJob).toBeCloseTo(0.1 * 0.25 * 0.103);
  // Notifier: 4 stream records per job (put, claim, complete, TTL removal) in batches of 4.
  expect(line(cost, 'notifier (stream) requests')?.perJob).toBeCloseTo(1);
  expect(line(cost, 'ReceiveMessage + DeleteMessageBatch')?.perJob).toBeCloseTo(0.2);
  // 1,500 B items: 2 write units per write. Table: 3 writes. byStatus (keyed on status, ALL): the
  // put, then a delete + put per status change = 5 entries. byType (KEYS_ONLY, keys unchanged): the put only.
  expect(line(cost, 'table writes')?.perJob).toBe(6);
  expect(line(cost, 'index byStatus')?.perJob).toBe(10);
  expect(line(cost, 'index byType')?.perJob).toBe(1);
  // The sharded status key (`<status>#<type>#<shard>`) moves with every status change, like byStatus.
  expect(line(cost, 'index byStatusTypeShard')?.perJob).toBe(5);
  expect(line(cost, 'table writes')?.perMillionJobs).toBeCloseTo(6 * 0.625);
  // Logs: 1,000 B + 300 B × (1 + 0.1 + 1) invocations + 400 B access log.
  expect(line(cost, 'ingestion')?.perJob).toBeCloseTo((1000 + 300 * 2.1 + 400) / 1024 ** 3);
  expect(cost.totalPerMillionJobs).toBeCloseTo(cost.lines.reduce((sum, l) => sum + l.perMillionJobs, 0));
  expect(cost.totalWithHttpApi).toBeCloseTo(cost.totalPerMillionJobs - 2.5);
});

test('an HTTP API is read from its route and integration and priced at $1.00 per million requests', () => {
  const httpTemplate: Template = {
    Resources: {
      ...backend,
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
      Integration: { Type: 'AWS::ApiGatewayV2::Integration', Properties: { IntegrationUri: getAtt('Submit', 'Arn') } },
      Route: {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: {
          RouteKey: 'POST /jobs/email',
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] },
        },
      },
    },
  };
  const cost = costPerJob(readStackModel(httpTemplate), 'email', figures);
  expect(line(cost, 'HTTP API request')?.perMillionJobs).toBeCloseTo(1);
  expect(cost.totalWithHttpApi).toBeCloseTo(cost.totalPerMillionJobs + 2.5);
});

test('an authorizer API Gateway does not cache runs, and reads its token, on every request; a cached one is left out', () => {
  const withAuthorizer = (ttl: number): Template => ({
    Resources: {
      ...restTemplate.Resources,
      Authorize: lambda(256),
      Authorizer: {
        Type: 'AWS::ApiGateway::Authorizer',
        Properties: {
          AuthorizerResultTtlInSeconds: ttl,
          AuthorizerUri: { 'Fn::Join': ['', ['arn:…/functions/', getAtt('Authorize', 'Arn'), '/invocations']] },
        },
      },
    },
  });
  const uncached = costPerJob(readStackModel(withAuthorizer(0)), 'email', figures);
  expect(line(uncached, 'authorizer (uncached: every request) requests')?.perJob).toBe(1);
  // 256 MB for 4 ms (+ 1 % of a 300 ms init).
  expect(line(uncached, 'authorizer (uncached: every request) compute')?.perJob).toBeCloseTo(0.25 * 0.007, 6);
  expect(line(uncached, "authorizer's token lookup")?.perJob).toBe(1);
  const cached = costPerJob(readStackModel(withAuthorizer(300)), 'email', figures);
  expect(cached.lines.filter((l) => l.item.includes('authorizer'))).toEqual([]);
  expect(uncached.totalPerMillionJobs).toBeGreaterThan(cached.totalPerMillionJobs);
});

test('a stream reader writing the counters table is priced per transaction: markers, counts and a minute at 2 units each', () => {
  const withCounters = (batchSize: number): Template => ({
    Resources: {
      ...restTemplate.Resources,
      Counters: lambda(128, { COUNTERS_TABLE_NAME: { Ref: 'CountersTable' } }),
      CountersMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: getAtt('Jobs', 'StreamArn'),
          FunctionName: { Ref: 'Counters' },
          BatchSize: batchSize,
        },
      },
    },
  });
  // Batches of 100 records fill transactions of 20 changes: 20 markers + 3 counts + 1 minute,
  // 2 units each, for 20 of a job's 4 stream records.
  const batched = costPerJob(readStackModel(withCounters(100)), 'email', figures);
  expect(line(batched, "stream counters' transactional writes")?.perJob).toBeCloseTo((4 / 20) * 24 * 2);
  expect(line(batched, "stream counters' marker reads")?.perJob).toBe(4);
  expect(line(batched, 'stream reader Counters requests')?.perJob).toBeCloseTo(4 / 100);
  // One record per batch: a marker, two counts and a minute per record.
  const single = costPerJob(readStackModel(withCounters(1)), 'email', figures);
  expect(line(single, "stream counters' transactional writes")?.perJob).toBe(4 * 4 * 2);
  // Without a counters reader there is no counters line.
  const none = costPerJob(readStackModel(restTemplate), 'email', figures);
  expect(none.lines.filter((l) => l.item.includes('counters'))).toEqual([]);
});

test('a type without a route or consumer is an error naming what is missing', () => {
  expect(() => costPerJob(readStackModel(restTemplate), 'sms', figures)).toThrow('no POST /jobs/sms route');
});

test('item sizes follow DynamoDB: names plus values, numbers about a byte per two digits', () => {
  expect(dynamoDbItemBytes({ id: { S: 'abc' }, n: { N: '123' } })).toBe(2 + 3 + 1 + 3);
  expect(dynamoDbItemBytes({ history: { L: [{ S: 'ab' }] } })).toBe(7 + 3 + 1 + 2);
});

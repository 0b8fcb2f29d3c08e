/**
 * The embedded local stack against the real emulators, driven by the fixture CDK app in
 * test/fixtures/feature-app (synthesized once in beforeAll).
 */
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DescribeTimeToLiveCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import {
  GetEventSourceMappingCommand,
  LambdaClient,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEvent, DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { createDynamoDbClient, createSqsClient } from '../src/emulators/aws-clients';
import {
  LambdaThrottledError,
  LambdaTimeoutError,
  RuleNotFireableError,
  startLocalStack,
  UnknownRuleError,
  type LocalStack,
} from '../src';
import type { StateProbeResult } from './fixtures/feature-app/handlers';
import { byPrefix, descendantPids, eventually, isAlive } from './helpers';

const appDir = fileURLToPath(new URL('./fixtures/feature-app', import.meta.url));
const API_KEY = 'fixture-key';

let stack: LocalStack;
const logLines: string[] = [];
let db: DynamoDBDocumentClient;
let sqs: ReturnType<typeof createSqsClient>;
/** Processes that were running before the stack started (e.g. jest's global local stack). */
let earlierChildren: Set<number>;
let startCalledAt: number;
/** Kept so that afterAll stops the stack even when beforeAll timed out before it was ready. */
let starting: Promise<LocalStack> | undefined;

beforeAll(async () => {
  earlierChildren = new Set(descendantPids());
  startCalledAt = Date.now();
  starting = startLocalStack({
    appDir,
    port: 0,
    apiKeys: [API_KEY],
    log: (line) => logLines.push(line),
    streamPollIntervalMs: 100,
  });
  stack = await starting;
  db = DynamoDBDocumentClient.from(createDynamoDbClient(stack.emulators));
  sqs = createSqsClient(stack.emulators);
}, 240_000);

afterAll(async () => {
  db?.destroy();
  sqs?.destroy();
  await (await starting?.catch(() => undefined))?.stop();
}, 30_000);

const get = (p: string, init?: RequestInit) => fetch(`${stack.url}${p}`, init);
/** The /_local/ admin routes need this header (a cross-site page cannot send it without a preflight). */
const admin = (p: string, init?: RequestInit) => get(p, { ...init, headers: { 'x-local-admin': '1' } });

describe('provisioning from the template', () => {
  it('creates the table with its GSI, stream and TTL', async () => {
    const items = byPrefix(stack.tables, 'ItemsTable');
    const { Table } = await db.send(new DescribeTableCommand({ TableName: items.tableName }));
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus])).toEqual([['byStatus', 'ACTIVE']]);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(items.streamArn).toBe(Table?.LatestStreamArn);
    const { TimeToLiveDescription } = await db.send(new DescribeTimeToLiveCommand({ TableName: items.tableName }));
    expect(TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    // An explicit TableName is used as is.
    expect(byPrefix(stack.tables, 'ObservationsTable').tableName).toBe('fixture-observations');
  });

  it('creates the queue with its delay, visibility timeout and redrive policy to the DLQ', async () => {
    const work = byPrefix(stack.queues, 'WorkQueue');
    const dlq = byPrefix(stack.queues, 'WorkDlq');
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: work.queueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({ VisibilityTimeout: '2', DelaySeconds: '1', QueueArn: work.queueArn });
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 2 });
  });

  it('reports one line per resource, then the URL', () => {
    expect(logLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^table +ItemsTable\w+ \+ stream \(NEW_AND_OLD_IMAGES\)$/),
        expect.stringMatching(/^queue +WorkQueue\w+ \(visibility 2 s, DLQ WorkDlq\w+ after 2 receives\)$/),
        expect.stringMatching(/^function +LocalStackFixture-SlowFunction\w+ \(index\.slow, timeout 1 s, 256 MB\)$/),
        expect.stringMatching(
          /^function +LocalStackFixture-CappedProbeFunction\w+ \(index\.stateProbe, timeout 5 s, 256 MB, reserved concurrency 2\)$/,
        ),
        expect.stringMatching(/^route +POST +\/items\/\{id\} → LocalStackFixture-ApiFunction\w+ 🔑$/),
        expect.stringMatching(
          /^mapping +WorkQueue\w+ → LocalStackFixture-SqsWorkerFunction\w+ \(batch 5, max concurrency 2, partial batch failures\)$/,
        ),
      ]),
    );
    expect(logLines.at(-1)).toBe(`Local stack ready at ${stack.url}`);
  });

  it('names every resource type and property of the template it does not emulate', () => {
    expect(stack.ignored.resourceTypes.map((ignored) => ignored.type)).toEqual(
      expect.arrayContaining([
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'AWS::Lambda::Permission',
        'AWS::CloudWatch::Alarm',
      ]),
    );
    expect(stack.ignored.properties).toContainEqual({
      type: 'AWS::Lambda::Function',
      property: 'TracingConfig',
      logicalIds: [expect.stringMatching(/^HealthFunction/)],
    });
    expect(logLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ignored +AWS::CloudWatch::Alarm DlqAlarm\w+ \(not emulated\)$/),
        expect.stringMatching(/^ignored +AWS::IAM::Role ×\d+ \(not emulated\)$/),
        expect.stringMatching(/^ignored +AWS::Lambda::Function properties: Role ×\d+, TracingConfig$/),
      ]),
    );
  });
});

describe('REST API', () => {
  it('routes {param} paths and builds the proxy event', async () => {
    const response = await get('/items/abc%20d?x=1&x=2&y=z', { headers: { 'X-Custom': 'hello' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-handler')).toBe('api');
    expect(response.headers.get('x-multi')).toBe('a, b');
    const { event, env } = (await response.json()) as { event: APIGatewayProxyEvent; env: Record<string, unknown> };
    expect(event).toMatchObject({
      resource: '/items/{id}',
      path: '/items/abc%20d',
      httpMethod: 'GET',
      pathParameters: { id: 'abc d' },
      queryStringParameters: { x: '2', y: 'z' },
      multiValueQueryStringParameters: { x: ['1', '2'], y: ['z'] },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { stage: 'test', resourcePath: '/items/{id}', httpMethod: 'GET', accountId: '000000000000' },
    });
    expect(event.headers['X-Custom']).toBe('hello');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['hello']);
    expect(typeof event.requestContext.requestId).toBe('string');
    expect(event.requestContext.identity.sourceIp).toMatch(/127\.0\.0\.1|::1/);
    // Environment variables are the template's, resolved; Powertools' tracer must see no AWS_EXECUTION_ENV.
    expect(env).toEqual({ ITEMS_TABLE: byPrefix(stack.tables, 'ItemsTable').tableName, AWS_EXECUTION_ENV: null });
  });

  it('prefers static path parts over {param}, and matches {proxy+} and ANY', async () => {
    const special = (await (await get('/items/special')).json()) as {
      event: { resource: string; pathParameters: unknown };
    };
    expect(special.event).toMatchObject({ resource: '/items/special', pathParameters: null });
    const files = (await (await get('/files/a/b/c.txt', { method: 'DELETE' })).json()) as {
      event: Record<string, unknown>;
    };
    expect(files.event).toMatchObject({
      resource: '/files/{proxy+}',
      httpMethod: 'DELETE',
      pathParameters: { proxy: 'a/b/c.txt' },
    });
  });

  it('runs inline (ZipFile) functions', async () => {
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, fn: expect.stringMatching(/^LocalStackFixture-HealthFunction/) });
  });

  it('answers unknown paths and methods like API Gateway, with the template gateway response headers', async () => {
    for (const [p, method] of [
      ['/nope', 'GET'],
      ['/items/abc', 'DELETE'],
      ['/', 'GET'],
    ] as const) {
      const response = await get(p, { method });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
      expect(response.headers.get('access-control-allow-origin')).toBe('*'); // from the DEFAULT_4XX GatewayResponse
    }
  });

  it('requires a valid x-api-key where ApiKeyRequired, and the handler reaches DynamoDB', async () => {
    const post = (headers: Record<string, string>) =>
      get('/items/created-1', {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json', ...headers },
      });
    for (const headers of [{}, { 'x-api-key': 'wrong' }] as Record<string, string>[]) {
      const denied = await post(headers);
      expect(denied.status).toBe(403);
      expect(await denied.json()).toEqual({ message: 'Forbidden' });
    }
    const created = await post({ 'x-api-key': API_KEY });
    expect(created.status).toBe(201);
    const { Item } = await db.send(
      new GetCommand({ TableName: byPrefix(stack.tables, 'ItemsTable').tableName, Key: { id: 'created-1' } }),
    );
    expect(Item).toEqual({ id: 'created-1', status: 'new', body: '{"a":1}' });
  });

  it('answers OPTIONS from the MOCK integration (CORS preflight)', async () => {
    const response = await get('/items/abc', { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST');
  });

  it('rejects bodies over 10 MB with 413 and survives aborted requests', async () => {
    const tooLarge = await get('/items/abc', {
      method: 'POST',
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
      headers: { 'x-api-key': API_KEY },
    });
    expect(tooLarge.status).toBe(413);
    const aborted = get('/slow', { signal: AbortSignal.timeout(100) });
    await expect(aborted).rejects.toThrow();
    expect((await get('/health')).status).toBe(200);
  });
});

describe('request validation', () => {
  const notes = (query: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    get(`/notes${query}`, { method: 'POST', body, headers });
  /** What the function recorded for a request with X-Probe: undefined when it was not invoked. */
  const probed = async (probe: string) =>
    (await db.send(new GetCommand({ TableName: 'fixture-observations', Key: { pk: 'probe', sk: probe } }))).Item;
  const json = { 'content-type': 'application/json; charset=utf-8' };

  it('passes a valid body on to the function', async () => {
    const body = JSON.stringify({ to: 'ann', text: 'hello', priority: 2 });
    const response = await notes('?channel=email', body, { ...json, 'x-probe': 'valid-body' });
    expect(response.status).toBe(200);
    const { event } = (await response.json()) as { event: APIGatewayProxyEvent };
    expect(event).toMatchObject({ resource: '/notes', body, queryStringParameters: { channel: 'email' } });
    expect(await probed('valid-body')).toMatchObject({ body });
  });

  it('answers a schema violation with the BAD_REQUEST_BODY gateway response, without invoking the function', async () => {
    const response = await notes('?channel=email', JSON.stringify({ text: 'hi', priority: -1 }), {
      ...json,
      'x-probe': 'invalid-body',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-gateway-response')).toBe('bad-body');
    expect(response.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(await response.json()).toEqual({
      message: 'Invalid request body',
      type: 'BAD_REQUEST_BODY',
      errors:
        '[object has missing required properties (["to"]), numeric instance is lower than the required minimum (minimum: 0, found: -1)]',
    });
    // The proxy integration answers before the response: had the function run, its trace would be there.
    expect(await probed('invalid-body')).toBeUndefined();
  });

  it('answers malformed JSON, and a body without Content-Type (validated as application/json), with 400', async () => {
    const malformed = await notes('?channel=email', '{"to": "ann",', { ...json, 'x-probe': 'malformed' });
    expect(malformed.status).toBe(400);
    const { message, errors } = (await malformed.json()) as { message: string; errors: string };
    expect(message).toBe('Invalid request body');
    expect(errors).toMatch(/^\[.+\]$/);
    expect(await probed('malformed')).toBeUndefined();

    // A Uint8Array body makes fetch send no Content-Type.
    const untyped = await notes('?channel=email', new TextEncoder().encode('{"to": "ann"}'), { 'x-probe': 'untyped' });
    expect(untyped.status).toBe(400);
    expect(((await untyped.json()) as { errors: string }).errors).toBe(
      '[object has missing required properties (["text"])]',
    );
    expect(await probed('untyped')).toBeUndefined();
  });

  it('passes the body of a content type without a model through unvalidated', async () => {
    const response = await notes('?channel=sms', 'not json at all', {
      'content-type': 'text/plain',
      'x-probe': 'plain',
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { event: APIGatewayProxyEvent }).event.body).toBe('not json at all');
    expect(await probed('plain')).toMatchObject({ body: 'not json at all' });
  });

  it('answers a missing or blank required query parameter with BAD_REQUEST_PARAMETERS, before the body', async () => {
    for (const [query, body] of [
      ['', JSON.stringify({ to: 'ann', text: 'hi' })],
      ['?channel=', JSON.stringify({ to: 'ann', text: 'hi' })],
      ['?other=1', '{"not": "valid"}'],
    ] as const) {
      const probe = `missing-parameter${query}`;
      const response = await notes(query, body, { ...json, 'x-probe': probe });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ message: 'Missing required request parameters: [channel]' });
      expect(response.headers.get('x-amzn-errortype')).toBe('BadRequestException');
      expect(response.headers.get('access-control-allow-origin')).toBe('*'); // the DEFAULT_4XX GatewayResponse
      expect(await probed(probe)).toBeUndefined();
    }
  });
});

describe('function timeouts', () => {
  it('treats an invocation past the Timeout as failed, directly and through the API', async () => {
    const slowId = Object.keys(stack.functions).find((id) => id.startsWith('SlowFunction'))!;
    await expect(stack.invoke(slowId, {})).rejects.toBeInstanceOf(LambdaTimeoutError);
    const viaApi = await get('/slow');
    expect(viaApi.status).toBe(502);
    expect(await viaApi.json()).toEqual({ message: 'Internal server error' });
    // An integration timeout shorter than the function's answers 504 first.
    const viaShortIntegration = await get('/slow-integration');
    expect(viaShortIntegration.status).toBe(504);
    expect(await viaShortIntegration.json()).toEqual({ message: 'Endpoint request timed out' });
  });
});

describe('execution environments', () => {
  const stateProbe = () => byPrefix(stack.functions, 'StateProbeFunction');
  const capped = () => byPrefix(stack.functions, 'CappedProbeFunction');

  it('runs 10 concurrent invocations in 10 environments, each with its own module state and a cold start', async () => {
    const fn = stateProbe();
    const finished: StateProbeResult[] = [];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stack
          .invoke(fn.logicalId, { id: `p${i}`, holdMs: 500 })
          .then((result) => (finished.push(result as StateProbeResult), result as StateProbeResult)),
      ),
    );
    // In one module instance, later invocations would overwrite currentProbe while the first wait.
    for (const [i, result] of results.entries()) expect(result).toMatchObject({ id: `p${i}`, seen: `p${i}` });
    expect(new Set(results.map((r) => r.environmentId)).size).toBe(10);
    expect(results.map((r) => r.coldStart)).toEqual(Array(10).fill(true)); // Powertools' cold_start
    expect(fn.environmentCount).toEqual({ busy: 0, idle: 10 });

    // The next invocation reuses the most recently used environment, warm.
    const warm = (await stack.invoke(fn.logicalId, { id: 'again', holdMs: 0 })) as StateProbeResult;
    expect(warm).toMatchObject({ seen: 'again', coldStart: false, invocationsHere: 2 });
    expect(warm.environmentId).toBe(finished.at(-1)!.environmentId);
  });

  it('discards the environment of an invocation that timed out', async () => {
    const fn = stateProbe();
    const before = fn.environmentCount.idle;
    await expect(stack.invoke(fn.logicalId, { id: 'too-slow', holdMs: 5000 })).rejects.toBeInstanceOf(
      LambdaTimeoutError,
    );
    expect(fn.environmentCount).toEqual({ busy: 0, idle: before - 1 });
  });

  it('answers 500 "Internal server error" past the reserved concurrency, as API Gateway does for a throttled Lambda', async () => {
    const fn = capped();
    const throttlesBefore = fn.metrics.throttles;
    const responses = await Promise.all(Array.from({ length: 5 }, () => get('/capped?hold=1500')));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 500, 500, 500]);
    for (const response of responses.filter((r) => r.status === 500)) {
      expect(await response.json()).toEqual({ message: 'Internal server error' });
      expect(response.headers.get('x-amzn-errortype')).toBe('InternalServerErrorException');
    }
    expect(fn.metrics.throttles - throttlesBefore).toBe(3);
    expect(logLines.some((line) => /GET \/capped → CappedProbeFunction\w+ throttled/.test(line))).toBe(true);
    await expect(stack.invoke(fn.logicalId, { id: 'direct', holdMs: 0 })).resolves.toMatchObject({ seen: 'direct' });
    const holds = [
      stack.invoke(fn.logicalId, { id: 'h1', holdMs: 800 }),
      stack.invoke(fn.logicalId, { id: 'h2', holdMs: 800 }),
    ];
    await expect(stack.invoke(fn.logicalId, { id: 'h3' })).rejects.toBeInstanceOf(LambdaThrottledError);
    await Promise.all(holds);
  });

  it('retries SQS batches throttled by the reserved concurrency until every message is processed once', async () => {
    const fn = capped();
    const queue = byPrefix(stack.queues, 'CappedQueue');
    const throttlesBefore = fn.metrics.throttles;
    const ids = Array.from({ length: 8 }, (_, i) => `capped-${i}`);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: ids.map((id, index) => ({ Id: String(index), MessageBody: id })),
      }),
    );
    const processed = await eventually(
      async () => {
        const { Items = [] } = await db.send(
          new QueryCommand({
            TableName: 'fixture-observations',
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'state-probe' },
            ConsistentRead: true,
          }),
        );
        return Items.length >= ids.length ? Items : undefined;
      },
      30_000,
      'every message to be processed',
    );
    expect(processed.map((item) => item.sk).sort()).toEqual([...ids].sort());
    expect(processed.every((item) => item.seen === item.sk)).toBe(true);
    // MaximumConcurrency 5 against ReservedConcurrentExecutions 2: throttles, never more than 2 at once.
    expect(fn.metrics.throttles).toBeGreaterThan(throttlesBefore);
    expect(fn.metrics.peakConcurrency).toBeLessThanOrEqual(2);
    await eventually(
      async () => {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queue.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        return (
          Attributes?.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0'
        );
      },
      10_000,
      'the queue to be empty',
    );
  }, 45_000);
});

describe('SQS event source mapping', () => {
  it('deletes only succeeded messages, retries the failed one into the DLQ, and never exceeds MaximumConcurrency', async () => {
    const work = byPrefix(stack.queues, 'WorkQueue');
    const dlq = byPrefix(stack.queues, 'WorkDlq');
    // Two warm environments first: a cold start (init included) could outlast the 2 s visibility
    // timeout, and the batch would come back, as it would on AWS.
    const worker = byPrefix(stack.functions, 'SqsWorkerFunction');
    await Promise.all([worker.invoke({ Records: [] }), worker.invoke({ Records: [] })]);
    const bodies = [...Array.from({ length: 14 }, (_, i) => `ok-${i}`), 'fail-1'];
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((body, index) => ({ Id: String(index), MessageBody: body }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: work.queueUrl, Entries: entries }));
    }
    const observed = async () =>
      (
        await db.send(
          new QueryCommand({
            TableName: 'fixture-observations',
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'sqs' },
          }),
        )
      ).Items ?? [];

    // The failed message comes back after the visibility timeout, with ApproximateReceiveCount 2 …
    await eventually(
      async () => (await observed()).some((item) => item.sk === 'fail-1#2'),
      20_000,
      'the second delivery of fail-1',
    );
    // … and after its second failure (maxReceiveCount 2) it lands in the DLQ.
    const dead = await eventually(
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlq.queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
        );
        return Messages?.length ? Messages : undefined;
      },
      20_000,
      'fail-1 in the DLQ',
    );
    expect(dead.map((m) => m.Body)).toEqual(['fail-1']);

    const items = await observed();
    const okDeliveries = items
      .filter((item) => String(item.sk).startsWith('ok-'))
      .map((item) => item.sk)
      .sort();
    expect(okDeliveries).toEqual(
      bodies
        .filter((b) => b.startsWith('ok-'))
        .map((b) => `${b}#1`)
        .sort(),
    ); // each exactly once
    // Each invocation has its own environment, so the function's peak concurrency is the pollers'.
    expect(byPrefix(stack.functions, 'SqsWorkerFunction').metrics.peakConcurrency).toBeLessThanOrEqual(2);

    const record = items.find((item) => item.sk === 'ok-0#1')!.record as SQSRecord;
    expect(record).toMatchObject({
      body: 'ok-0',
      eventSource: 'aws:sqs',
      eventSourceARN: work.queueArn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(record.attributes.SentTimestamp).toMatch(/^\d+$/);
    expect(typeof record.md5OfBody).toBe('string');

    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: work.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  }, 45_000);
});

describe('UpdateEventSourceMapping (the Lambda API the functions reach)', () => {
  it('disabling an SQS mapping stops its pollers (messages wait in the queue); enabling starts them again', async () => {
    const capped = byPrefix(stack.queues, 'CappedQueue');
    const [logicalId, mapping] = Object.entries(stack.eventSourceMappings).find(
      ([, m]) => m.eventSourceArn === capped.queueArn,
    )!;
    // What Ref of the mapping resolves to, as the template hands it to functions.
    expect(logicalId).toMatch(/SqsEventSource/);
    const lambda = new LambdaClient({
      endpoint: stack.emulators.lambda,
      region: stack.emulators.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const probed = async (body: string) =>
      (
        await db.send(
          new QueryCommand({
            TableName: 'fixture-observations',
            KeyConditionExpression: 'pk = :pk AND sk = :sk',
            ExpressionAttributeValues: { ':pk': 'state-probe', ':sk': body },
          }),
        )
      ).Items?.length === 1;
    const visible = async () =>
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: capped.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes ?? {};
    try {
      expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.uuid }))).State).toBe('Enabled');
      const disabling = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.uuid, Enabled: false }));
      expect(disabling).toMatchObject({ UUID: mapping.uuid, State: 'Disabling', EventSourceArn: capped.queueArn });
      await sqs.send(new SendMessageCommand({ QueueUrl: capped.queueUrl, MessageBody: 'while-disabled' }));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // Not delivered: the function never saw it, and it is still in the queue.
      expect(await probed('while-disabled')).toBe(false);
      const waiting = await visible();
      expect(Number(waiting.ApproximateNumberOfMessages) + Number(waiting.ApproximateNumberOfMessagesNotVisible)).toBe(
        1,
      );
      expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.uuid }))).State).toMatch(
        /^Disabl(ing|ed)$/,
      );

      await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.uuid, Enabled: true }));
      await eventually(
        async () => {
          const counts = await visible();
          return counts.ApproximateNumberOfMessages === '0' && counts.ApproximateNumberOfMessagesNotVisible === '0';
        },
        15_000,
        'the message consumed after enabling',
      );
      expect(await probed('while-disabled')).toBe(true);
      expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.uuid }))).State).toBe('Enabled');
      await expect(
        lambda.send(new GetEventSourceMappingCommand({ UUID: '00000000-0000-0000-0000-000000000000' })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      if (mapping.state !== 'Enabled') await mapping.setEnabled?.(true);
      lambda.destroy();
    }
  }, 30_000);
});

describe('DynamoDB stream event source mapping', () => {
  it('delivers the records of a shard in order, in Lambda’s record shape', async () => {
    const items = byPrefix(stack.tables, 'ItemsTable');
    const ids = Array.from({ length: 12 }, (_, i) => `order-${String(i).padStart(2, '0')}`);
    for (const id of ids)
      await db.send(new PutItemCommand({ TableName: items.tableName, Item: { id: { S: id }, status: { S: 'new' } } }));

    const batches = await eventually(
      async () => {
        const { Items = [] } = await db.send(
          new QueryCommand({
            TableName: 'fixture-observations',
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'stream' },
          }),
        );
        const seen = Items.flatMap((item) => item.ids as string[]).filter((id) => id.startsWith('order-'));
        return seen.length >= ids.length ? Items : undefined;
      },
      20_000,
      'all stream records',
    );
    const seen = batches.flatMap((item) => item.ids as string[]).filter((id) => id.startsWith('order-'));
    expect(seen).toEqual(ids);
    expect(Math.max(...batches.map((b) => (b.ids as string[]).length))).toBeLessThanOrEqual(5); // BatchSize

    const first = batches[0]!.first as DynamoDBRecord;
    expect(first).toMatchObject({
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: items.streamArn,
      dynamodb: {
        StreamViewType: 'NEW_AND_OLD_IMAGES',
        Keys: { id: { S: expect.any(String) } },
        NewImage: { id: { S: expect.any(String) } },
      },
    });
    expect(typeof first.dynamodb?.ApproximateCreationDateTime).toBe('number');
    expect(typeof first.dynamodb?.SequenceNumber).toBe('string');
  }, 30_000);
});

describe('scheduled rules', () => {
  const everyMinute = () => byPrefix(stack.rules, 'EveryMinuteRule');
  const scheduledEvent = (ruleArn: string) => ({
    version: '0',
    id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    region: 'us-east-1',
    resources: [ruleArn],
    detail: {},
  });

  it('reports one line per rule, and EventPattern rules as not emulated', () => {
    expect(logLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^rule +LocalStackFixture-EveryMinuteRule\w+ rate\(1 minute\) → LocalStackFixture-ScheduledFunction\w+ \(next run \d{4}-\d\d-\d\dT[\d:.]+Z\)$/,
        ),
        expect.stringMatching(
          /^rule +fixture-nightly cron\(0 3 \? \* MON-FRI \*\) → LocalStackFixture-ScheduledFunction\w+ \(DISABLED, not scheduled\)$/,
        ),
        expect.stringMatching(/^⚠ rule LocalStackFixture-PatternRule\w+: EventPattern rules are not emulated/),
      ]),
    );
  });

  it('schedules the ENABLED rate(1 minute) rule a minute after start, and not the DISABLED one', () => {
    expect(everyMinute()).toMatchObject({
      state: 'ENABLED',
      scheduleExpression: 'rate(1 minute)',
      schedule: { kind: 'rate', periodMs: 60_000 },
      ruleArn: expect.stringMatching(/^arn:aws:events:us-east-1:000000000000:rule\/LocalStackFixture-EveryMinuteRule/),
    });
    // The first run is one period after the scheduler started (later runs are later still).
    expect(everyMinute().nextRun!.getTime()).toBeGreaterThanOrEqual(startCalledAt + 60_000);
    expect(byPrefix(stack.rules, 'NightlyRule')).toMatchObject({ state: 'DISABLED', ruleName: 'fixture-nightly' });
    expect(byPrefix(stack.rules, 'NightlyRule').nextRun).toBeUndefined();
    expect(byPrefix(stack.rules, 'PatternRule').scheduleExpression).toBeUndefined();
  });

  it('fireRule invokes the target with the scheduled event, by logical id or name', async () => {
    const rule = everyMinute();
    const [result] = (await stack.fireRule(rule.logicalId)) as { event: unknown; hasAbortSignal: boolean }[];
    expect(result!.event).toEqual(scheduledEvent(rule.ruleArn));
    expect(result!.hasAbortSignal).toBe(false); // only API invocations get one
    // A disabled rule fires on request, and its target gets its Input instead of the event.
    expect(await stack.fireRule('fixture-nightly')).toEqual([expect.objectContaining({ event: { task: 'nightly' } })]);
  });

  it('fireRule rejects unknown and EventPattern rules', async () => {
    await expect(stack.fireRule('no-such-rule')).rejects.toBeInstanceOf(UnknownRuleError);
    await expect(stack.fireRule(byPrefix(stack.rules, 'PatternRule').logicalId)).rejects.toBeInstanceOf(
      RuleNotFireableError,
    );
  });

  it('POST /_local/rules/{rule}/fire fires the rule and answers its targets’ results', async () => {
    const rule = everyMinute();
    const response = await admin(`/_local/rules/${encodeURIComponent(rule.ruleName)}/fire`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      rule: { logicalId: rule.logicalId, ruleName: rule.ruleName, ruleArn: rule.ruleArn },
      results: [{ event: scheduledEvent(rule.ruleArn), invocations: expect.any(Number), hasAbortSignal: false }],
    });
  });

  it('answers 404 for an unknown rule or admin route, 405 for other methods, 409 for EventPattern rules', async () => {
    const unknown = await admin('/_local/rules/no-such-rule/fire', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: expect.stringMatching(/^No rule no-such-rule; known: /) });
    expect((await admin('/_local/nothing-here', { method: 'POST' })).status).toBe(404);
    const wrongMethod = await admin(`/_local/rules/${everyMinute().logicalId}/fire`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    const pattern = byPrefix(stack.rules, 'PatternRule').logicalId;
    expect((await admin(`/_local/rules/${pattern}/fire`, { method: 'POST' })).status).toBe(409);
  });
});

describe('client aborts', () => {
  interface Probe {
    hasAbortSignal: boolean;
    aborted: boolean;
    reason?: string;
  }
  const probeFunction = () => byPrefix(stack.functions, 'AbortProbeFunction');
  /** What the probe handler recorded for an id (module state of its execution environment). */
  const probe = async (id: string) => ((await probeFunction().invoke({ probe: id })) as Probe | null) ?? undefined;

  it('gives every API-invoked handler a context.abortSignal, not aborted while the client waits', async () => {
    const response = await get('/abort-probe/stays?immediate=1');
    expect(await response.json()).toEqual({ hasAbortSignal: true, aborted: false });
  });

  it('aborts the handler’s context.abortSignal when the HTTP client disconnects', async () => {
    const client = new AbortController();
    const request = get('/abort-probe/goes-away', { signal: client.signal });
    await eventually(() => probe('goes-away'), 10_000, 'the handler to start');
    client.abort();
    await expect(request).rejects.toThrow();
    const record = await eventually(
      async () => ((await probe('goes-away'))?.aborted ? probe('goes-away') : undefined),
      10_000,
      'the handler to see the abort',
    );
    expect(record).toEqual({
      hasAbortSignal: true,
      aborted: true,
      reason: 'The client closed the connection before the response',
    });
    expect((await get('/health')).status).toBe(200);
  });

  it('LocalFunction.invoke passes its signal on to the context (already aborted too); without one there is none', async () => {
    const controller = new AbortController();
    const running = probeFunction().invoke({ pathParameters: { id: 'direct' } }, { signal: controller.signal });
    await eventually(() => probe('direct'), 10_000, 'the handler to start');
    controller.abort(new Error('stop waiting'));
    expect(JSON.parse(((await running) as { body: string }).body)).toEqual({
      hasAbortSignal: true,
      aborted: true,
      reason: 'stop waiting',
    });
    const early = (await probeFunction().invoke(
      { pathParameters: { id: 'early' } },
      { signal: AbortSignal.abort(new Error('too late')) },
    )) as { body: string };
    expect(JSON.parse(early.body)).toEqual({ hasAbortSignal: true, aborted: true, reason: 'too late' });
    const unsignalled = (await stack.invoke(probeFunction().logicalId, { pathParameters: { id: 'none' } })) as {
      body: string;
    };
    expect(JSON.parse(unsignalled.body)).toEqual({ hasAbortSignal: false, aborted: false });
  });
});

const everyMinuteNextRun = () => byPrefix(stack.rules, 'EveryMinuteRule').nextRun;

describe('stop()', () => {
  it('stops every child process it started, and is idempotent', async () => {
    const children = descendantPids().filter((pid) => !earlierChildren.has(pid));
    expect(children.length).toBeGreaterThanOrEqual(3); // fauxqs, the java guard, java
    expect(everyMinuteNextRun()).toBeInstanceOf(Date);
    await Promise.all([stack.stop(), stack.stop()]);
    // The rule timers are cleared: nothing is scheduled any more.
    expect(Object.values(stack.rules).map((rule) => rule.nextRun)).toEqual(
      Object.values(stack.rules).map(() => undefined),
    );
    await eventually(async () => children.every((pid) => !isAlive(pid)), 10_000, 'child processes to exit');
    await expect(fetch(stack.url)).rejects.toThrow();
  });
});

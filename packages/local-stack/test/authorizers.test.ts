import type { APIGatewayProxyEvent } from 'aws-lambda';
import { evaluatePolicy, LambdaAuthorizers, type LambdaAuthorizer } from '../src/api-gateway/authorizers';
import { startRestApiServer, type RunningRestApiServer } from '../src/api-gateway/rest-api-server';
import type { RestRoute } from '../src/api-gateway/rest-api-routes';
import { UsagePlans } from '../src/api-gateway/usage-plans';
import { LambdaFunctionError, type LocalFunction } from '../src/lambda/lambda-function';

const AUTHORIZER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:authorizer';
const BACKEND_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:backend';

/** A stand-in for a function: runs `handler` in-process and counts its invocations. */
function fakeFunction(functionArn: string, handler: (event: Record<string, unknown>) => unknown) {
  const fn = {
    functionArn,
    logicalId: functionArn.split(':').pop(),
    invocations: 0,
    invoke(event: unknown) {
      fn.invocations += 1;
      try {
        return Promise.resolve(handler(event as Record<string, unknown>));
      } catch (error) {
        return Promise.reject(new LambdaFunctionError('Error', (error as Error).message));
      }
    },
  };
  return fn;
}

/** Allows tokens "good-*", names them in the context, and meters each with the key "key-<token>". */
function tokenAuthorizer(event: Record<string, unknown>) {
  const token = (event.headers as Record<string, string> | null)?.authorization?.replace('Bearer ', '') ?? '';
  if (token === 'crash') throw new Error('boom');
  if (token === 'nobody') throw new Error('Unauthorized');
  const [arnPrefix] = String(event.methodArn).split('/');
  return {
    principalId: token,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: token.startsWith('good-') ? 'Allow' : 'Deny',
          Resource: `${arnPrefix}/prod/GET/items/*`,
        },
      ],
    },
    context: { token, admin: false, level: 3 },
    usageIdentifierKey: `key-${token}`,
  };
}

const authorizer: LambdaAuthorizer = {
  id: 'auth1',
  name: 'TokenAuthorizer',
  type: 'REQUEST',
  functionArn: AUTHORIZER_ARN,
  identitySources: ['method.request.header.Authorization'],
  ttlSeconds: 300,
};

function event(authorization?: string): APIGatewayProxyEvent {
  return {
    headers: authorization ? { authorization } : {},
    requestContext: { httpMethod: 'GET', resourcePath: '/items/{id}' },
  } as unknown as APIGatewayProxyEvent;
}
const methodArn = (path: string) => `arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET${path}`;

describe('Lambda authorizers', () => {
  test('an answer is cached per identity source value for the TTL, then asked again', async () => {
    let now = 1_000_000;
    const fn = fakeFunction(AUTHORIZER_ARN, tokenAuthorizer);
    const authorizers = new LambdaAuthorizers(
      new Map([[AUTHORIZER_ARN, fn as unknown as LocalFunction]]),
      () => {},
      () => now,
    );
    const authorize = (token: string, path: string) =>
      authorizers.authorize({ authorizer, event: event(`Bearer ${token}`), methodArn: methodArn(path) });

    expect((await authorize('good-a', '/items/1')).ok).toBe(true);
    // The cached policy is checked against each request's method ARN.
    expect((await authorize('good-a', '/items/2')).ok).toBe(true);
    expect(await authorize('good-a', '/other')).toMatchObject({ ok: false, type: 'ACCESS_DENIED' });
    expect(fn.invocations).toBe(1);
    expect((await authorize('good-b', '/items/1')).ok).toBe(true);
    expect(fn.invocations).toBe(2);
    now += 299_000;
    await authorize('good-a', '/items/1');
    expect(fn.invocations).toBe(2);
    now += 2_000;
    await authorize('good-a', '/items/1');
    expect(fn.invocations).toBe(3);
  });

  test('TTL 0 asks the function every time', async () => {
    const fn = fakeFunction(AUTHORIZER_ARN, tokenAuthorizer);
    const authorizers = new LambdaAuthorizers(new Map([[AUTHORIZER_ARN, fn as unknown as LocalFunction]]), () => {});
    for (let i = 0; i < 3; i++)
      await authorizers.authorize({
        authorizer: { ...authorizer, ttlSeconds: 0 },
        event: event('Bearer good-a'),
        methodArn: methodArn('/items/1'),
      });
    expect(fn.invocations).toBe(3);
  });

  test('policies: an explicit Deny wins over an Allow; no matching Allow is a denial too', () => {
    const arn = methodArn('/items/1');
    const allow = { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:api1/*' };
    const deny = { Effect: 'Deny', Action: ['execute-api:*'], Resource: [arn] };
    expect(evaluatePolicy({ Statement: [allow] }, arn)).toBe('Allow');
    expect(evaluatePolicy({ Statement: [allow, deny] }, arn)).toBe('Deny');
    expect(evaluatePolicy({ Statement: [{ ...allow, Resource: methodArn('/other') }] }, arn)).toBe('NoMatch');
    expect(evaluatePolicy({ Statement: [{ ...allow, Action: 's3:GetObject' }] }, arn)).toBe('NoMatch');
  });
});

describe('a REST API behind a Lambda authorizer and a usage plan', () => {
  let server: RunningRestApiServer;
  const received: Record<string, unknown>[] = [];
  const authorizerFn = fakeFunction(AUTHORIZER_ARN, tokenAuthorizer);
  let now = 5_000_000;

  const route: RestRoute = {
    apiId: 'api1',
    stageName: 'prod',
    resourceId: 'r1',
    resourcePath: '/items/{id}',
    httpMethod: 'GET',
    apiKeyRequired: true,
    apiKeySource: 'AUTHORIZER',
    authorizerId: 'auth1',
    integration: { type: 'AWS_PROXY', functionArn: BACKEND_ARN, timeoutMs: 5_000, transferMode: 'BUFFERED' },
  };

  beforeAll(async () => {
    const plans = new UsagePlans([], () => now);
    plans.plans.set('plan1', {
      id: 'plan1',
      name: 'plan',
      stages: [{ apiId: 'api1', stage: 'prod' }],
      throttle: { rateLimit: 2, burstLimit: 3 },
      quota: { limit: 6, period: 'DAY', offset: 0 },
    });
    for (const token of ['good-a', 'good-b', 'good-quota']) {
      const key = plans.createKey({ name: token, value: `key-${token}`, enabled: true });
      plans.addKeyToPlan('plan1', key.id);
    }
    const backend = fakeFunction(BACKEND_ARN, (e) => {
      received.push(e);
      return { statusCode: 200, body: '{}' };
    });
    server = await startRestApiServer({
      port: 0,
      apis: { routes: [route], gatewayResponses: new Map(), models: [] },
      functionsByArn: new Map([
        [AUTHORIZER_ARN, authorizerFn as unknown as LocalFunction],
        [BACKEND_ARN, backend as unknown as LocalFunction],
      ]),
      apiKeys: [],
      usagePlans: plans,
      authorizers: new Map([['auth1', authorizer]]),
      log: () => {},
    });
  });
  afterAll(() => server.close());

  const get = (token?: string) =>
    fetch(`${server.url}/items/1`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  test('no identity source: 401 without asking the authorizer; its "Unauthorized": 401; a crash: 500', async () => {
    const before = authorizerFn.invocations;
    const missing = await get();
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ message: 'Unauthorized' });
    expect(authorizerFn.invocations).toBe(before);
    expect((await get('nobody')).status).toBe(401);
    expect((await get('crash')).status).toBe(500);
  });

  test('Deny: 403 with API Gateway explicit-deny message', async () => {
    const response = await get('bad-token');
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      message: 'User is not authorized to access this resource with an explicit deny',
    });
  });

  test('Allow: the context reaches the integration as requestContext.authorizer, values as strings', async () => {
    expect((await get('good-b')).status).toBe(200);
    expect((received.at(-1)?.requestContext as { authorizer: unknown }).authorizer).toEqual({
      principalId: 'good-b',
      token: 'good-b',
      admin: 'false',
      level: '3',
    });
  });

  test('usage plan: a burst beyond burstLimit is 429 Too Many Requests, refilled at rateLimit per second', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('good-a')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const throttled = await get('good-a');
    expect(await throttled.json()).toEqual({ message: 'Too Many Requests' });
    now += 500; // one request's worth at 2 per second
    expect((await get('good-a')).status).toBe(200);
    expect((await get('good-a')).status).toBe(429);
  });

  test('usage plan: the quota counts per key and period: 429 Limit Exceeded, then a new day resets it', async () => {
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      now += 1_000;
      statuses.push((await get('good-quota')).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(await (await get('good-quota')).json()).toEqual({ message: 'Limit Exceeded' });
    now += 86_400_000;
    expect((await get('good-quota')).status).toBe(200);
  });

  test('a usage identifier key in no plan is 403 Forbidden', async () => {
    const response = await get('good-unplanned');
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden' });
  });
});

/** The template-reading pieces of the local stack, on hand-written templates (no emulators). */
import { formatArn, functionNameOf, parseArn, unqualifiedFunctionArn } from '../src/arns';
import { parseCommandLine } from '../src/cli';
import { IntrinsicResolver } from '../src/cloudformation/intrinsics';
import { describeIgnored, findIgnored } from '../src/coverage';
import { dependencyOrder } from '../src/cloudformation/provision';
import { isSynthesizedFrom, recordSynthesis, sourceFingerprint } from '../src/cloudformation/synth-fingerprint';
import { buildProxyEvent, proxyResultToResponse } from '../src/api-gateway/rest-api-event';
import { matchRoute, type RestRoute } from '../src/api-gateway/rest-api-routes';
import { parseBatchItemFailures } from '../src/event-sources/batch-item-failures';
import type { CfnTemplate } from '../src/cloudformation/template';

const template: CfnTemplate = {
  Parameters: { Env: { Type: 'String', Default: 'dev' } },
  Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }, NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] } },
  Resources: {
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } },
    },
    Dlq: { Type: 'AWS::SQS::Queue' },
    Role: { Type: 'AWS::IAM::Role' },
    Fn: {
      Type: 'AWS::Lambda::Function',
      DependsOn: ['Role'],
      Properties: { Environment: { Variables: { Q: { Ref: 'Queue' } } } },
    },
  },
};

describe('IntrinsicResolver', () => {
  const resolver = new IntrinsicResolver(template, { stackName: 'S', region: 'eu-west-1', accountId: '000000000000' });
  resolver.register('Queue', {
    ref: 'http://q/url',
    attributes: { Arn: 'arn:aws:sqs:eu-west-1:000000000000:q', QueueName: 'q' },
  });

  it('resolves Ref, GetAtt, Join, Sub, Select, Split, If and pseudo parameters', () => {
    expect(
      resolver.resolve({
        ref: { Ref: 'Queue' },
        arn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        name: { 'Fn::GetAtt': 'Queue.QueueName' },
        join: { 'Fn::Join': [':', ['a', { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }]] },
        sub: { 'Fn::Sub': '${AWS::Partition}/${Queue.QueueName}/${Queue}/${!Literal}/${AWS::URLSuffix}' },
        subVars: { 'Fn::Sub': ['${X}-${AWS::StackName}', { X: { Ref: 'Env' } }] },
        select: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
        ifFalse: { 'Fn::If': ['IsProd', 'yes', 'no'] },
        ifNested: { 'Fn::If': ['NotProd', 'yes', 'no'] },
      }),
    ).toEqual({
      ref: 'http://q/url',
      arn: 'arn:aws:sqs:eu-west-1:000000000000:q',
      name: 'q',
      join: 'a:eu-west-1:000000000000',
      sub: 'aws/q/http://q/url/${Literal}/amazonaws.com',
      subVars: 'dev-S',
      select: 'b',
      ifFalse: 'no',
      ifNested: 'yes',
    });
  });

  it('gives resources it does not emulate plausible fake values instead of failing', () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('arn:aws:iam::000000000000:role/S-Role');
    expect(resolver.resolve({ Ref: 'Role' })).toBe('S-Role');
  });
});

describe('dependencyOrder', () => {
  it('puts referenced and DependsOn resources first (the DLQ before its source queue)', () => {
    const order = dependencyOrder(template);
    expect(order.indexOf('Dlq')).toBeLessThan(order.indexOf('Queue'));
    expect(order.indexOf('Role')).toBeLessThan(order.indexOf('Fn'));
    expect(order.indexOf('Queue')).toBeLessThan(order.indexOf('Fn'));
  });
});

describe('matchRoute', () => {
  const route = (httpMethod: string, resourcePath: string): RestRoute => ({
    apiId: 'a',
    stageName: 'prod',
    resourceId: resourcePath,
    resourcePath,
    httpMethod,
    apiKeyRequired: false,
    integration: { type: 'MOCK', statusCode: 200, headers: {} },
  });
  const routes = [
    route('ANY', '/{proxy+}'),
    route('GET', '/items/{id}'),
    route('GET', '/items/new'),
    route('ANY', '/items/{id}'),
    route('GET', '/'),
  ];
  const resourceOf = (method: string, path: string) => matchRoute(routes, method, path)?.route.resourcePath;

  it('prefers static parts over {param} over {proxy+}, and a method over ANY', () => {
    expect(resourceOf('GET', '/items/new')).toBe('/items/new');
    expect(matchRoute(routes, 'GET', '/items/7')).toMatchObject({
      route: { httpMethod: 'GET', resourcePath: '/items/{id}' },
      pathParameters: { id: '7' },
    });
    expect(matchRoute(routes, 'PUT', '/items/7')?.route.httpMethod).toBe('ANY');
    expect(matchRoute(routes, 'GET', '/a/b%2Fc/d')?.pathParameters).toEqual({ proxy: 'a/b/c/d' });
    expect(matchRoute(routes, 'GET', '/')).toMatchObject({ route: { resourcePath: '/' }, pathParameters: null });
    expect(matchRoute([route('GET', '/items')], 'GET', '/items/1')).toBeUndefined();
  });
});

describe('buildProxyEvent', () => {
  const match = {
    route: {
      apiId: 'a',
      stageName: 'prod',
      resourceId: 'r',
      resourcePath: '/items',
      httpMethod: 'GET',
      apiKeyRequired: false,
      integration: { type: 'MOCK' as const, statusCode: 200, headers: {} },
    },
    pathParameters: null,
  };

  it('takes parameter and header names such as toString, constructor and __proto__ as the client sent them', () => {
    const event = buildProxyEvent(
      {
        method: 'GET',
        url: '/items?toString=1&constructor=2&__proto__=3&toString=4',
        rawHeaders: ['toString', 'x', 'hasOwnProperty', 'y', 'toString', 'z'],
        body: Buffer.alloc(0),
        sourceIp: '127.0.0.1',
      },
      match,
    );
    expect(Object.entries(event.queryStringParameters ?? {})).toEqual([
      ['toString', '4'],
      ['constructor', '2'],
      ['__proto__', '3'],
    ]);
    expect(event.multiValueQueryStringParameters?.toString).toEqual(['1', '4']);
    expect(Object.getPrototypeOf(event.queryStringParameters)).toBe(Object.prototype);
    expect(event.headers).toEqual(expect.objectContaining({ toString: 'z', hasOwnProperty: 'y' }));
    expect(event.multiValueHeaders.toString).toEqual(['x', 'z']);
  });
});

describe('proxyResultToResponse', () => {
  it('maps headers, multi-value headers and base64 bodies; rejects malformed results', () => {
    const response = proxyResultToResponse({
      statusCode: 201,
      headers: { A: '1' },
      multiValueHeaders: { B: ['2', '3'] },
      body: 'aGk=',
      isBase64Encoded: true,
    });
    expect(response).toEqual({
      statusCode: 201,
      headers: { A: '1', B: ['2', '3'], 'Content-Type': 'application/json' },
      body: Buffer.from('hi'),
    });
    expect(proxyResultToResponse('hello')).toBeUndefined();
    expect(proxyResultToResponse({ body: 'no status' })).toBeUndefined();
    expect(proxyResultToResponse({ statusCode: 200, body: { not: 'a string' } })).toBeUndefined();
  });
});

describe('parseBatchItemFailures', () => {
  it('reads failed ids, treats empty responses as success and malformed ones as whole-batch failures', () => {
    expect(parseBatchItemFailures({ batchItemFailures: [{ itemIdentifier: 'a' }] })).toEqual(['a']);
    expect(parseBatchItemFailures(undefined)).toEqual([]);
    expect(parseBatchItemFailures({ batchItemFailures: [] })).toEqual([]);
    expect(parseBatchItemFailures({ batchItemFailures: [{ itemIdentifier: '' }] })).toBeUndefined();
    expect(parseBatchItemFailures({ batchItemFailures: 'x' })).toBeUndefined();
    expect(parseBatchItemFailures('oops')).toBeUndefined();
  });
});

describe('ARNs', () => {
  const fnArn = 'arn:aws:lambda:eu-west-1:000000000000:function:worker';

  it('builds ARNs with the local account id, and takes them apart', () => {
    expect(formatArn({ service: 'lambda', region: 'eu-west-1', resource: 'function:worker' })).toBe(fnArn);
    expect(parseArn('arn:aws:iam::123456789012:role/x')).toEqual({
      service: 'iam',
      region: '',
      accountId: '123456789012',
      resource: 'role/x',
    });
    expect(parseArn('worker')).toBeUndefined();
  });

  it('finds a function name in names and ARNs, with or without a qualifier', () => {
    for (const reference of ['worker', 'worker:live', fnArn, `${fnArn}:7`, `${fnArn}:$LATEST`])
      expect(functionNameOf(reference)).toBe('worker');
    expect(unqualifiedFunctionArn(`${fnArn}:live`)).toBe(fnArn);
    expect(unqualifiedFunctionArn(fnArn)).toBe(fnArn);
    expect(unqualifiedFunctionArn('arn:aws:sqs:eu-west-1:000000000000:q')).toBe('arn:aws:sqs:eu-west-1:000000000000:q');
  });
});

describe('findIgnored', () => {
  const withExtras: CfnTemplate = {
    Resources: {
      ...template.Resources,
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Threshold: 1 } },
      Dashboard: { Type: 'AWS::CloudWatch::Dashboard' },
      OtherRole: { Type: 'AWS::IAM::Role' },
      Traced: {
        Type: 'AWS::Lambda::Function',
        Properties: { Handler: 'index.handler', Role: 'r', TracingConfig: { Mode: 'Active' }, Description: 'inert' },
      },
      Secured: {
        Type: 'AWS::ApiGateway::Method',
        Properties: { HttpMethod: 'GET', AuthorizationType: 'COGNITO_USER_POOLS', AuthorizerId: 'a' },
      },
      Open: { Type: 'AWS::ApiGateway::Method', Properties: { HttpMethod: 'GET', AuthorizationType: 'NONE' } },
      Encrypted: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true, VisibilityTimeout: 30 } },
      Skipped: { Type: 'AWS::Logs::LogGroup', Condition: 'IsProd' },
    },
  };
  const ignored = findIgnored(withExtras, (logicalId) => logicalId !== 'Skipped');

  it('names every resource type that is not emulated, with its resources', () => {
    expect(ignored.resourceTypes).toEqual([
      { type: 'AWS::IAM::Role', logicalIds: ['Role', 'OtherRole'] },
      { type: 'AWS::CloudWatch::Alarm', logicalIds: ['Alarm'] },
      { type: 'AWS::CloudWatch::Dashboard', logicalIds: ['Dashboard'] },
    ]);
  });

  it('names every property of an emulated type that is not emulated, and values that are not', () => {
    expect(ignored.properties).toEqual([
      { type: 'AWS::Lambda::Function', property: 'Role', logicalIds: ['Traced'] },
      { type: 'AWS::Lambda::Function', property: 'TracingConfig', logicalIds: ['Traced'] },
      { type: 'AWS::ApiGateway::Method', property: 'AuthorizationType=COGNITO_USER_POOLS', logicalIds: ['Secured'] },
      { type: 'AWS::SQS::Queue', property: 'SqsManagedSseEnabled', logicalIds: ['Encrypted'] },
    ]);
  });

  it('reports them in one line per type', () => {
    expect(describeIgnored(ignored)).toEqual([
      'ignored   AWS::IAM::Role ×2 (not emulated)',
      'ignored   AWS::CloudWatch::Alarm Alarm (not emulated)',
      'ignored   AWS::CloudWatch::Dashboard Dashboard (not emulated)',
      'ignored   AWS::Lambda::Function properties: Role, TracingConfig',
      'ignored   AWS::ApiGateway::Method properties: AuthorizationType=COGNITO_USER_POOLS',
      'ignored   AWS::SQS::Queue properties: SqsManagedSseEnabled',
    ]);
  });
});

describe('parseCommandLine', () => {
  it('reads the folder, switches and repeated options', () => {
    const argv = ['app', '--port', '0', '--no-synth', '--api-key', 'a', '--api-key', 'b', '--context', 'k=v=w'];
    expect(parseCommandLine([...argv, '--pass-env', 'MY_', '--stack', 'S'], {})).toEqual({
      options: {
        appDir: 'app',
        port: 0,
        synth: false,
        schedules: true,
        stackName: 'S',
        apiKeys: ['a', 'b'],
        context: { k: 'v=w' },
        environmentPrefixes: ['MY_'],
      },
    });
    expect(parseCommandLine([], { PORT: '4000' })).toMatchObject({ options: { appDir: process.cwd(), port: 4000 } });
    expect(parseCommandLine(['--data-dir', '.local-data'], {})).toMatchObject({ options: { dataDir: '.local-data' } });
    expect(parseCommandLine([], {})).not.toHaveProperty('options.dataDir');
    // Without a switch it synthesizes only when the sources changed; --synth always does.
    expect(parseCommandLine([], {})).toMatchObject({ options: { synth: 'auto' } });
    expect(parseCommandLine(['--synth'], {})).toMatchObject({ options: { synth: true } });
  });

  it('answers --help with the usage, and mistakes with the usage and what was wrong', () => {
    expect(parseCommandLine(['--help'], {})).toEqual({ usage: expect.stringContaining('Usage: local-stack') });
    for (const [argv, error] of [
      [['--port', 'x'], '--port must be a port number, got x'],
      [['--context', 'novalue'], '--context needs KEY=VALUE, got novalue'],
      [['a', 'b'], 'One folder at most, got a b'],
      [['--bogus'], expect.stringContaining('--bogus')],
    ] as const)
      expect(parseCommandLine([...argv], {})).toEqual({ usage: expect.any(String), error });
  });
});

describe('the synthesis fingerprint', () => {
  it('changes with a watched source or the context, not with other files, and matches what was recorded', async () => {
    const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const appDir = await mkdtemp(path.join(tmpdir(), 'synth-fingerprint-'));
    const outdir = path.join(appDir, 'cdk.out');
    await mkdir(path.join(appDir, 'src'));
    await mkdir(outdir);
    await writeFile(
      path.join(appDir, 'cdk.json'),
      JSON.stringify({ app: 'node app.mjs', watch: { include: ['src/**'] } }),
    );
    await writeFile(path.join(appDir, 'src/handler.ts'), 'export const a = 1;');
    const before = await sourceFingerprint(appDir, outdir, {});

    await writeFile(path.join(appDir, 'README.md'), 'not a source');
    await writeFile(path.join(outdir, 'manifest.json'), '{}');
    expect(await sourceFingerprint(appDir, outdir, {})).toBe(before);
    expect(await sourceFingerprint(appDir, outdir, { stage: 'dev' })).not.toBe(before);
    expect(await isSynthesizedFrom(outdir, before)).toBe(false); // nothing recorded yet
    await recordSynthesis(outdir, before);
    expect(await isSynthesizedFrom(outdir, before)).toBe(true);

    await writeFile(path.join(appDir, 'src/handler.ts'), 'export const a = 2;');
    const after = await sourceFingerprint(appDir, outdir, {});
    expect(after).not.toBe(before);
    expect(await isSynthesizedFrom(outdir, after)).toBe(false);
  });
});

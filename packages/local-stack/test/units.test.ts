/** The template-reading pieces of the local stack, on hand-written templates (no emulators). */
import { IntrinsicResolver } from '../src/cloudformation/intrinsics';
import { dependencyOrder } from '../src/cloudformation/provision';
import { proxyResultToResponse } from '../src/api-gateway/rest-api-event';
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

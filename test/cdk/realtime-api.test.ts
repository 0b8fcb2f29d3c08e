import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { JobsStack } from '../../lib/jobs-stack';

type Resource = { Properties: Record<string, unknown> };

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const template = Template.fromStack(new JobsStack(app, 'Test', {}));
const resources = (type: string) => Object.entries(template.findResources(type)) as [string, Resource][];
const only = (type: string) => {
  const found = resources(type);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const [apiId] = only('AWS::ApiGatewayV2::Api');
const functionIdByEntry = (description: RegExp) => {
  const found = resources('AWS::Lambda::Function').filter(([, fn]) =>
    description.test(String(fn.Properties.Description)),
  );
  expect(found).toHaveLength(1);
  return found[0]![0];
};
const policiesOf = (functionId: string) => {
  const fn = template.findResources('AWS::Lambda::Function')[functionId] as Resource;
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return resources('AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
};

describe('RealtimeApi', () => {
  test('a WebSocket API routing on the body action, with no API key check of its own', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
      ApiKeySelectionExpression: Match.absent(),
    });
  });

  test('$connect, $disconnect, subscribe, unsubscribe and $default are Lambda proxies; no route needs an API key', () => {
    const routes = resources('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(
      ['$connect', '$default', '$disconnect', 'subscribe', 'unsubscribe'].sort(),
    );
    expect(routes.filter((r) => r.ApiKeyRequired === true)).toEqual([]);
    for (const [, integration] of resources('AWS::ApiGatewayV2::Integration'))
      expect(integration.Properties).toMatchObject({ ApiId: { Ref: apiId }, IntegrationType: 'AWS_PROXY' });
  });

  test("$connect reads the REST API's tokens table, with GetItem only", () => {
    const connectId = functionIdByEntry(/\(\$connect\)/);
    const [tokensTableId] = resources('AWS::DynamoDB::Table').find(([id]) => id.startsWith('TokensTable')) ?? [
      undefined,
    ];
    expect(tokensTableId).toBeDefined();
    const fn = template.findResources('AWS::Lambda::Function')[connectId] as Resource;
    expect(fn.Properties.Environment).toMatchObject({ Variables: { TOKENS_TABLE_NAME: { Ref: tokensTableId } } });
    const statements = policiesOf(connectId).filter((statement) => JSON.stringify(statement).includes(tokensTableId!));
    expect(statements.map((statement) => statement.Action)).toEqual(['dynamodb:GetItem']);
  });

  test('the subscriptions table: keyed by target then connection, a byConnection index, TTL on expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'targetKey', KeyType: 'HASH' },
        { AttributeName: 'connectionId', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byConnection',
          KeySchema: [
            { AttributeName: 'connectionId', KeyType: 'HASH' },
            { AttributeName: 'targetKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        }),
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test('the message function may POST to this stage’s @connections, the notifier POST and DELETE (close), and nothing more of execute-api', () => {
    const onConnections = (method: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':execute-api:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':',
          { Ref: apiId },
          `/prod/${method}/@connections/*`,
        ],
      ],
    });
    for (const [functionId, resource] of [
      [functionIdByEntry(/Wakes the long polls/), [onConnections('POST'), onConnections('DELETE')]],
      [functionIdByEntry(/Subscribes and unsubscribes WebSocket connections/), onConnections('POST')],
    ] as const) {
      const statements = policiesOf(functionId).filter((s) => JSON.stringify(s.Action).includes('execute-api'));
      expect(statements).toEqual([{ Action: 'execute-api:ManageConnections', Effect: 'Allow', Resource: resource }]);
      const fn = template.findResources('AWS::Lambda::Function')[functionId] as Resource;
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        WEBSOCKET_CALLBACK_URL: expect.anything(),
        SUBSCRIPTIONS_TABLE_NAME: expect.anything(),
      });
    }
    for (const functionId of [functionIdByEntry(/\$connect/), functionIdByEntry(/\$disconnect/)]) {
      expect(policiesOf(functionId).filter((s) => JSON.stringify(s.Action).includes('execute-api'))).toEqual([]);
    }
  });

  test('GET /health advertises the stage URL, built from the API endpoint', () => {
    const health = functionIdByEntry(/Liveness of the API/);
    const fn = template.findResources('AWS::Lambda::Function')[health] as Resource;
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.WEBSOCKET_API_URL).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }, '/prod']],
    });
  });
});

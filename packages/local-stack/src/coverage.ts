/**
 * What the local stack emulates, type by type and property by property, so that the startup
 * report can name everything in a template it ignores instead of ignoring it silently. The
 * README's coverage table lists the same types and properties (a test keeps them in step).
 */
import { PASSED_ATTRIBUTES as QUEUE_ATTRIBUTES } from './cloudformation/provision-queue';
import type { CfnTemplate } from './cloudformation/template';

export interface ResourceTypeCoverage {
  /** Properties whose behaviour is emulated (or that the runtime reads to wire resources together). */
  honoured: readonly string[];
  /** Honoured only for these values; any other value is reported as ignored. */
  honouredValues?: Readonly<Record<string, readonly unknown[]>>;
}

/** Properties with no behaviour to emulate (a resource's name and labels), on every type. */
const INERT_PROPERTIES = new Set(['Description', 'Tags']);

const TABLE = [
  'TableName',
  'KeySchema',
  'AttributeDefinitions',
  'BillingMode',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'StreamSpecification',
  'TimeToLiveSpecification',
];

/** Every resource type the local stack emulates, by CloudFormation type. */
export const RESOURCE_COVERAGE: Readonly<Record<string, ResourceTypeCoverage>> = {
  'AWS::DynamoDB::Table': { honoured: [...TABLE, 'ProvisionedThroughput'] },
  'AWS::DynamoDB::GlobalTable': { honoured: TABLE },
  'AWS::SQS::Queue': { honoured: ['QueueName', ...QUEUE_ATTRIBUTES, 'RedrivePolicy', 'RedriveAllowPolicy'] },
  'AWS::Lambda::Function': {
    honoured: [
      'FunctionName',
      'Handler',
      'Runtime',
      'Code',
      'Timeout',
      'MemorySize',
      'Environment',
      'ReservedConcurrentExecutions',
    ],
  },
  'AWS::Lambda::EventSourceMapping': {
    honoured: [
      'FunctionName',
      'EventSourceArn',
      'Enabled',
      'BatchSize',
      'MaximumBatchingWindowInSeconds',
      'FunctionResponseTypes',
      'ScalingConfig',
      'StartingPosition',
      'MaximumRetryAttempts',
      'DestinationConfig',
      'ParallelizationFactor',
    ],
  },
  'AWS::ApiGateway::RestApi': { honoured: ['Name', 'ApiKeySourceType'] },
  'AWS::ApiGateway::Resource': { honoured: ['RestApiId', 'ParentId', 'PathPart'] },
  'AWS::ApiGateway::Method': {
    honoured: [
      'RestApiId',
      'ResourceId',
      'HttpMethod',
      'AuthorizationType',
      'ApiKeyRequired',
      'Integration',
      'RequestValidatorId',
      'RequestParameters',
      'RequestModels',
      'AuthorizerId',
    ],
    honouredValues: { AuthorizationType: ['NONE', 'CUSTOM'] },
  },
  'AWS::ApiGateway::Authorizer': {
    honoured: ['RestApiId', 'Name', 'Type', 'AuthorizerUri', 'IdentitySource', 'AuthorizerResultTtlInSeconds'],
    honouredValues: { Type: ['REQUEST', 'TOKEN'] },
  },
  'AWS::ApiGateway::UsagePlan': { honoured: ['UsagePlanName', 'ApiStages', 'Throttle', 'Quota'] },
  'AWS::ApiGateway::ApiKey': { honoured: ['Name', 'Value', 'Enabled'] },
  'AWS::ApiGateway::UsagePlanKey': { honoured: ['UsagePlanId', 'KeyId', 'KeyType'] },
  'AWS::ApiGateway::Deployment': { honoured: ['RestApiId', 'StageName'] },
  'AWS::ApiGateway::Stage': { honoured: ['RestApiId', 'StageName', 'DeploymentId'] },
  'AWS::ApiGateway::RequestValidator': {
    honoured: ['RestApiId', 'Name', 'ValidateRequestBody', 'ValidateRequestParameters'],
  },
  'AWS::ApiGateway::Model': { honoured: ['RestApiId', 'Name', 'ContentType', 'Schema'] },
  'AWS::ApiGateway::GatewayResponse': {
    honoured: ['RestApiId', 'ResponseType', 'StatusCode', 'ResponseParameters', 'ResponseTemplates'],
  },
  'AWS::Events::Rule': { honoured: ['Name', 'EventBusName', 'ScheduleExpression', 'State', 'Targets'] },
  'AWS::ApiGatewayV2::Api': {
    honoured: ['Name', 'ProtocolType', 'RouteSelectionExpression', 'ApiKeySelectionExpression'],
    honouredValues: { ProtocolType: ['WEBSOCKET'] },
  },
  'AWS::ApiGatewayV2::Route': {
    honoured: ['ApiId', 'RouteKey', 'Target', 'ApiKeyRequired', 'AuthorizationType'],
    honouredValues: { AuthorizationType: ['NONE'] },
  },
  'AWS::ApiGatewayV2::Integration': {
    honoured: ['ApiId', 'IntegrationType', 'IntegrationUri'],
    honouredValues: { IntegrationType: ['AWS_PROXY'] },
  },
  'AWS::ApiGatewayV2::Stage': { honoured: ['ApiId', 'StageName', 'AutoDeploy'] },
};

/** What a template holds that the local stack does not emulate. */
export interface IgnoredInTemplate {
  /** Resources of types that are not emulated at all, by type, in template order. */
  resourceTypes: { type: string; logicalIds: string[] }[];
  /** Properties of emulated types that are not, by type and property. */
  properties: { type: string; property: string; logicalIds: string[] }[];
}

/** Every resource type and property in the template that the local stack ignores (resources whose Condition is false are left out). */
export function findIgnored(
  template: CfnTemplate,
  isIncluded: (logicalId: string) => boolean = () => true,
): IgnoredInTemplate {
  const byType = new Map<string, string[]>();
  const byProperty = new Map<string, { type: string; property: string; logicalIds: string[] }>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (!isIncluded(logicalId)) continue;
    const coverage = RESOURCE_COVERAGE[resource.Type];
    if (!coverage) {
      byType.set(resource.Type, [...(byType.get(resource.Type) ?? []), logicalId]);
      continue;
    }
    for (const [property, value] of Object.entries(resource.Properties ?? {})) {
      if (INERT_PROPERTIES.has(property)) continue;
      const values = coverage.honouredValues?.[property];
      const honoured = coverage.honoured.includes(property) && (!values || values.includes(value));
      if (honoured) continue;
      const label = values ? `${property}=${typeof value === 'string' ? value : JSON.stringify(value)}` : property;
      const key = `${resource.Type} ${label}`;
      const entry = byProperty.get(key) ?? { type: resource.Type, property: label, logicalIds: [] };
      entry.logicalIds.push(logicalId);
      byProperty.set(key, entry);
    }
  }
  return {
    resourceTypes: [...byType].map(([type, logicalIds]) => ({ type, logicalIds })),
    properties: [...byProperty.values()],
  };
}

/** The startup report's lines for what is ignored: one per resource type, listing its ignored properties. */
export function describeIgnored(ignored: IgnoredInTemplate): string[] {
  const count = (ids: string[]) => (ids.length > 1 ? ` ×${ids.length}` : ` ${ids[0]}`);
  const lines = ignored.resourceTypes.map(
    ({ type, logicalIds }) => `ignored   ${type}${count(logicalIds)} (not emulated)`,
  );
  const types = [...new Set(ignored.properties.map((p) => p.type))];
  for (const type of types) {
    const properties = ignored.properties
      .filter((p) => p.type === type)
      .map((p) => `${p.property}${p.logicalIds.length > 1 ? ` ×${p.logicalIds.length}` : ''}`);
    lines.push(`ignored   ${type} properties: ${properties.join(', ')}`);
  }
  return lines;
}

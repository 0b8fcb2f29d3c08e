import type { IntrinsicResolver } from '../cloudformation/intrinsics';
import { isRecord, resourcesOfType, type CfnTemplate } from '../cloudformation/template';

/** One route of a WebSocket API: `$connect`, `$disconnect`, `$default` or a value of the selection expression. */
export interface WebSocketRoute {
  routeKey: string;
  apiKeyRequired: boolean;
  /** The AWS_PROXY integration's function; undefined when the integration is of another type. */
  functionArn?: string;
  /** What the route's target is, for messages about integrations that are not emulated. */
  integrationDescription: string;
}

export interface WebSocketApiDefinition {
  logicalId: string;
  apiId: string;
  name: string;
  /** The JSON body path of `$request.body.<path>`, e.g. ['action']; undefined for other expressions. */
  routeSelectionPath?: string[];
  routeSelectionExpression: string;
  /** The header of `$request.header.<name>` (lowercase) the API key is read from; default x-api-key. */
  apiKeyHeader: string;
  stageNames: string[];
  routes: Map<string, WebSocketRoute>;
}

/** Every AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET, by logical id (HTTP APIs are not served). */
export function webSocketApiLogicalIds(template: CfnTemplate): string[] {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::Api')
    .filter(([, resource]) => resource.Properties?.ProtocolType === 'WEBSOCKET')
    .map(([logicalId]) => logicalId);
}

/**
 * Registers what Ref/GetAtt return: the API's id, and its ApiEndpoint as the local server's
 * `ws://` URL, so whatever the template derives from it (a stage URL in an output or a
 * function's environment) points at the local server.
 */
export function registerWebSocketApi(
  resolver: IntrinsicResolver,
  logicalId: string,
  apiId: string,
  endpoint: string,
): void {
  resolver.register(logicalId, { ref: apiId, attributes: { ApiId: apiId, ApiEndpoint: endpoint } });
}

/** Routes and integrations resolve to ids (a route's Target names `integrations/<id>`), stages to their names. */
export function registerWebSocketResources(template: CfnTemplate, resolver: IntrinsicResolver): void {
  for (const type of ['AWS::ApiGatewayV2::Route', 'AWS::ApiGatewayV2::Integration', 'AWS::ApiGatewayV2::Stage']) {
    for (const [id, resource] of resourcesOfType(template, type)) {
      const stageName = resource.Properties?.StageName;
      resolver.register(id, { ref: typeof stageName === 'string' ? stageName : `${id}-id` });
    }
  }
}

const FUNCTION_ARN_IN_URI = /functions\/(.+?)\/invocations/;

/** Reads one API's stages, routes and integrations from the template. */
export function readWebSocketApi(
  template: CfnTemplate,
  resolver: IntrinsicResolver,
  logicalId: string,
): WebSocketApiDefinition {
  const apiProps = (resolver.resolve(template.Resources?.[logicalId]?.Properties ?? {}) ?? {}) as Record<
    string,
    unknown
  >;
  const apiId = resolver.resolveString({ Ref: logicalId });
  const ofThisApi = (type: string) =>
    resourcesOfType(template, type)
      .map(([id, resource]) => [id, resolver.resolve(resource.Properties ?? {}) as Record<string, unknown>] as const)
      .filter(([, props]) => props.ApiId === apiId);

  const integrations = new Map<string, Record<string, unknown>>();
  for (const [id, props] of ofThisApi('AWS::ApiGatewayV2::Integration'))
    integrations.set(resolver.resolveString({ Ref: id }), props);
  const routes = new Map<string, WebSocketRoute>();
  for (const [, props] of ofThisApi('AWS::ApiGatewayV2::Route')) {
    const routeKey = String(props.RouteKey);
    const integrationId = /^integrations\/(.+)$/.exec(String(props.Target ?? ''))?.[1];
    const integration = integrationId ? integrations.get(integrationId) : undefined;
    const type = String(integration?.IntegrationType ?? 'none');
    const functionArn =
      type === 'AWS_PROXY' ? FUNCTION_ARN_IN_URI.exec(String(integration?.IntegrationUri ?? ''))?.[1] : undefined;
    routes.set(routeKey, {
      routeKey,
      apiKeyRequired: props.ApiKeyRequired === true || props.ApiKeyRequired === 'true',
      ...(functionArn ? { functionArn } : {}),
      integrationDescription: integration ? `${type} ${String(integration.IntegrationUri ?? '')}` : 'no integration',
    });
  }
  const stageNames = ofThisApi('AWS::ApiGatewayV2::Stage').map(([, props]) => String(props.StageName));
  const routeSelectionExpression = String(apiProps.RouteSelectionExpression ?? '$request.body.action');
  const bodyPath = /^\$request\.body\.(.+)$/.exec(routeSelectionExpression)?.[1];
  const keyHeader = /^\$request\.header\.(.+)$/.exec(String(apiProps.ApiKeySelectionExpression ?? ''))?.[1];
  return {
    logicalId,
    apiId,
    name: typeof apiProps.Name === 'string' ? apiProps.Name : logicalId,
    routeSelectionExpression,
    ...(bodyPath ? { routeSelectionPath: bodyPath.split('.') } : {}),
    apiKeyHeader: (keyHeader ?? 'x-api-key').toLowerCase(),
    stageNames,
    routes,
  };
}

/** The route a message selects: the selection expression's value when a route has that key, else `$default`. */
export function selectRoute(api: WebSocketApiDefinition, body: string): WebSocketRoute | undefined {
  let selected: unknown;
  if (api.routeSelectionPath) {
    try {
      selected = api.routeSelectionPath.reduce<unknown>(
        (value, key) => (isRecord(value) ? value[key] : undefined),
        JSON.parse(body),
      );
    } catch {
      selected = undefined;
    }
  }
  const route = typeof selected === 'string' ? api.routes.get(selected) : undefined;
  return route && !route.routeKey.startsWith('$') ? route : api.routes.get('$default');
}

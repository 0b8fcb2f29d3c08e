import { createHash } from 'node:crypto';
import type { IntrinsicResolver } from '../cloudformation/intrinsics';
import { isRecord, resourcesOfType, type CfnTemplate } from '../cloudformation/template';

/** API Gateway's default integration timeout for REST APIs. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

export type RouteIntegration =
  | {
      type: 'AWS_PROXY';
      functionArn: string;
      /** For BUFFERED: until the whole response; for STREAM: the whole stream (up to 15 min). */
      timeoutMs: number;
      /** ResponseTransferMode: STREAM invokes with InvokeWithResponseStream and streams the response. */
      transferMode: 'BUFFERED' | 'STREAM';
    }
  | { type: 'MOCK'; statusCode: number; headers: Record<string, string> }
  | { type: 'UNSUPPORTED'; description: string };

export interface RestRoute {
  apiId: string;
  stageName: string;
  resourceId: string;
  /** Resource path as API Gateway reports it, e.g. /items/{id}. */
  resourcePath: string;
  httpMethod: string; // GET, POST, …, or ANY
  apiKeyRequired: boolean;
  /** Where API keys come from for this route's API: the x-api-key header, or the authorizer's usageIdentifierKey. */
  apiKeySource?: 'HEADER' | 'AUTHORIZER';
  /** The method's authorizer id when its AuthorizationType is CUSTOM. */
  authorizerId?: string;
  integration: RouteIntegration;
  /** What the method's RequestValidator checks; absent when it has none (or one that checks nothing). */
  validation?: RouteValidation;
}

/** A Method's request validation: its RequestValidator's switches, RequestParameters and RequestModels. */
export interface RouteValidation {
  validateBody: boolean;
  validateParameters: boolean;
  /** The parameters RequestParameters marks required (true). */
  requiredParameters: RequestParameter[];
  /** Model name by content type (lowercase), as in RequestModels; may include $default. */
  requestModels: Record<string, string>;
}

export interface RequestParameter {
  /** querystring, header, path, multivaluequerystring or multivalueheader. */
  location: string;
  name: string;
}

/** An AWS::ApiGateway::Model: its JSON Schema (draft-04) for one content type. */
export interface RestApiModel {
  apiId: string;
  name: string;
  contentType?: string;
  schema: unknown;
}

export interface GatewayResponseDefinition {
  statusCode?: number;
  headers: Record<string, string>;
  template?: string;
}

export interface RestApiDefinitions {
  routes: RestRoute[];
  /** By ResponseType (MISSING_AUTHENTICATION_TOKEN, DEFAULT_4XX, …). */
  gatewayResponses: Map<string, GatewayResponseDefinition>;
  /** Every AWS::ApiGateway::Model, for request body validation. */
  models: RestApiModel[];
}

/** API ids look like API Gateway's (10 lowercase alphanumerics), stable per logical id. */
function fakeId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 10);
}

/** Registers what Ref/GetAtt return for REST API resources, so ParentId/ResourceId references resolve to ids. */
export function registerRestApiIds(template: CfnTemplate, resolver: IntrinsicResolver): void {
  for (const [logicalId] of resourcesOfType(template, 'AWS::ApiGateway::RestApi')) {
    const apiId = fakeId(logicalId);
    resolver.register(logicalId, { ref: apiId, attributes: { RootResourceId: `${apiId}-root`, RestApiId: apiId } });
  }
  for (const [logicalId] of resourcesOfType(template, 'AWS::ApiGateway::Resource')) {
    resolver.register(logicalId, {
      ref: fakeId(`resource:${logicalId}`),
      attributes: { ResourceId: fakeId(`resource:${logicalId}`) },
    });
  }
  for (const [logicalId] of resourcesOfType(template, 'AWS::ApiGateway::RequestValidator')) {
    const validatorId = fakeId(`validator:${logicalId}`);
    resolver.register(logicalId, { ref: validatorId, attributes: { RequestValidatorId: validatorId } });
  }
  for (const [type, prefix] of [
    ['AWS::ApiGateway::Authorizer', 'authorizer'],
    ['AWS::ApiGateway::UsagePlan', 'usageplan'],
    ['AWS::ApiGateway::ApiKey', 'apikey'],
  ] as const) {
    for (const [logicalId] of resourcesOfType(template, type)) {
      const id = fakeId(`${prefix}:${logicalId}`);
      resolver.register(logicalId, { ref: id, attributes: prefix === 'authorizer' ? { AuthorizerId: id } : {} });
    }
  }
  // Ref of a Stage is its name (usage plans' ApiStages refer to stages that way).
  for (const [logicalId, r] of resourcesOfType(template, 'AWS::ApiGateway::Stage')) {
    const name = r.Properties?.StageName;
    if (typeof name === 'string') resolver.register(logicalId, { ref: name });
  }
  // Ref of a Model is its name (CloudFormation generates one when Name is absent: the logical id here).
  for (const [logicalId, r] of resourcesOfType(template, 'AWS::ApiGateway::Model')) {
    const name = r.Properties?.Name;
    resolver.register(logicalId, { ref: typeof name === 'string' ? name : logicalId });
  }
}

/** Reads every RestApi's routes and gateway responses from the template. */
export function readRestApis(template: CfnTemplate, resolver: IntrinsicResolver): RestApiDefinitions {
  const resolve = (value: unknown) => resolver.resolve(value) as Record<string, unknown>;
  const pathById = new Map<string, string>();
  for (const [logicalId] of resourcesOfType(template, 'AWS::ApiGateway::RestApi')) {
    pathById.set(resolver.resolveString({ 'Fn::GetAtt': [logicalId, 'RootResourceId'] }), '/');
  }

  // Resources may appear before their parents: resolve paths until nothing changes.
  const resources = resourcesOfType(template, 'AWS::ApiGateway::Resource').map(([logicalId, r]) => {
    const props = resolve(r.Properties ?? {});
    return {
      id: resolver.resolveString({ Ref: logicalId }),
      parentId: String(props.ParentId),
      pathPart: String(props.PathPart),
    };
  });
  for (let changed = true; changed;) {
    changed = false;
    for (const resource of resources) {
      const parentPath = pathById.get(resource.parentId);
      if (parentPath === undefined || pathById.has(resource.id)) continue;
      pathById.set(resource.id, `${parentPath === '/' ? '' : parentPath}/${resource.pathPart}`);
      changed = true;
    }
  }

  const keySourceByApi = new Map<string, 'HEADER' | 'AUTHORIZER'>();
  for (const [logicalId, r] of resourcesOfType(template, 'AWS::ApiGateway::RestApi')) {
    const source = resolve(r.Properties ?? {}).ApiKeySourceType;
    keySourceByApi.set(resolver.resolveString({ Ref: logicalId }), source === 'AUTHORIZER' ? 'AUTHORIZER' : 'HEADER');
  }

  const stageByApi = new Map<string, string>();
  for (const type of ['AWS::ApiGateway::Deployment', 'AWS::ApiGateway::Stage']) {
    for (const [, r] of resourcesOfType(template, type)) {
      const props = resolve(r.Properties ?? {});
      if (typeof props.StageName === 'string') stageByApi.set(String(props.RestApiId), props.StageName);
    }
  }

  const validators = new Map<string, { validateBody: boolean; validateParameters: boolean }>();
  for (const [logicalId, r] of resourcesOfType(template, 'AWS::ApiGateway::RequestValidator')) {
    const props = resolve(r.Properties ?? {});
    validators.set(resolver.resolveString({ Ref: logicalId }), {
      validateBody: isTrue(props.ValidateRequestBody),
      validateParameters: isTrue(props.ValidateRequestParameters),
    });
  }

  const routes: RestRoute[] = [];
  for (const [logicalId, r] of resourcesOfType(template, 'AWS::ApiGateway::Method')) {
    const props = resolve(r.Properties ?? {});
    const resourceId = String(props.ResourceId);
    const resourcePath = pathById.get(resourceId);
    if (resourcePath === undefined)
      throw new Error(`Method ${logicalId}: its resource ${resourceId} is not part of any RestApi`);
    const apiId = String(props.RestApiId);
    routes.push({
      apiId,
      stageName: stageByApi.get(apiId) ?? 'prod',
      resourceId,
      resourcePath,
      httpMethod: String(props.HttpMethod).toUpperCase(),
      apiKeyRequired: isTrue(props.ApiKeyRequired),
      apiKeySource: keySourceByApi.get(apiId) ?? 'HEADER',
      ...(props.AuthorizationType === 'CUSTOM' && props.AuthorizerId !== undefined
        ? { authorizerId: String(props.AuthorizerId) }
        : {}),
      integration: readIntegration(isRecord(props.Integration) ? props.Integration : {}),
      validation: readValidation(props, validators),
    });
  }

  const gatewayResponses = new Map<string, GatewayResponseDefinition>();
  for (const [, r] of resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse')) {
    const props = resolve(r.Properties ?? {});
    const templates = (props.ResponseTemplates ?? {}) as Record<string, string>;
    gatewayResponses.set(String(props.ResponseType), {
      statusCode: props.StatusCode !== undefined ? Number(props.StatusCode) : undefined,
      headers: headerValues((props.ResponseParameters ?? {}) as Record<string, string>, 'gatewayresponse.header.'),
      template: templates['application/json'] ?? Object.values(templates)[0],
    });
  }

  const models: RestApiModel[] = [];
  for (const [logicalId, r] of resourcesOfType(template, 'AWS::ApiGateway::Model')) {
    const props = resolve(r.Properties ?? {});
    models.push({
      apiId: String(props.RestApiId),
      name: resolver.resolveString({ Ref: logicalId }),
      contentType: typeof props.ContentType === 'string' ? props.ContentType : undefined,
      // Schema is a JSON object, or (CloudFormation accepts both) its text.
      schema: typeof props.Schema === 'string' ? parseJson(props.Schema) : (props.Schema ?? {}),
    });
  }
  return { routes, gatewayResponses, models };
}

/** The parsed text, or the text itself when it is not JSON (RequestValidation then reports the model). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function readValidation(
  method: Record<string, unknown>,
  validators: Map<string, { validateBody: boolean; validateParameters: boolean }>,
): RouteValidation | undefined {
  const validator =
    method.RequestValidatorId === undefined ? undefined : validators.get(String(method.RequestValidatorId));
  if (!validator || (!validator.validateBody && !validator.validateParameters)) return undefined;
  const requiredParameters: RequestParameter[] = [];
  for (const [key, required] of Object.entries(isRecord(method.RequestParameters) ? method.RequestParameters : {})) {
    const parsed = /^method\.request\.(\w+)\.(.+)$/.exec(key);
    if (parsed && isTrue(required)) requiredParameters.push({ location: parsed[1]!, name: parsed[2]! });
  }
  const requestModels: Record<string, string> = {};
  for (const [contentType, model] of Object.entries(isRecord(method.RequestModels) ? method.RequestModels : {}))
    requestModels[contentType.toLowerCase()] = String(model);
  return { ...validator, requiredParameters, requestModels };
}

function readIntegration(integration: Record<string, unknown>): RouteIntegration {
  const type = String(integration.Type ?? 'NONE');
  if (type === 'AWS_PROXY') {
    const uri = String(integration.Uri ?? '');
    // Invoke (2015-03-31/…/invocations) or InvokeWithResponseStream (2021-11-15/…/response-streaming-invocations).
    const parsed = /functions\/(.+?)\/(invocations|response-streaming-invocations)/.exec(uri);
    if (!parsed) return { type: 'UNSUPPORTED', description: `AWS_PROXY ${uri}` };
    const transferMode = integration.ResponseTransferMode === 'STREAM' ? 'STREAM' : 'BUFFERED';
    // API Gateway refuses the pairs that do not match (each mode has its own invocation URI).
    if ((transferMode === 'STREAM') !== (parsed[2] === 'response-streaming-invocations'))
      return { type: 'UNSUPPORTED', description: `AWS_PROXY ${transferMode} with ${uri}` };
    const timeoutMs = Number(integration.TimeoutInMillis ?? DEFAULT_INTEGRATION_TIMEOUT_MS);
    return { type: 'AWS_PROXY', functionArn: parsed[1]!, timeoutMs, transferMode };
  }
  if (type === 'MOCK') {
    // Best effort: the first integration response's status and static header values ('quoted' literals).
    const [response] = (integration.IntegrationResponses ?? []) as {
      StatusCode?: string;
      ResponseParameters?: Record<string, string>;
    }[];
    return {
      type: 'MOCK',
      statusCode: Number(response?.StatusCode ?? 200),
      headers: headerValues(response?.ResponseParameters ?? {}, 'method.response.header.'),
    };
  }
  return { type: 'UNSUPPORTED', description: type };
}

/** {"prefix.X-Name": "'value'"} → {"X-Name": "value"} (static values only). */
function headerValues(parameters: Record<string, string>, prefix: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (!key.startsWith(prefix)) continue;
    headers[key.slice(prefix.length)] = String(value).replace(/^'(.*)'$/s, '$1');
  }
  return headers;
}

export interface RouteMatch {
  route: RestRoute;
  pathParameters: Record<string, string> | null;
}

/**
 * Finds the route for a request the way API Gateway does: static path parts win over
 * {param}, which wins over {proxy+}; a method-specific route wins over ANY.
 */
export function matchRoute(routes: RestRoute[], httpMethod: string, requestPath: string): RouteMatch | undefined {
  const segments = requestPath.split('/').filter(Boolean);
  const candidates: { route: RestRoute; params: Record<string, string>; score: number[] }[] = [];
  for (const route of routes) {
    if (route.httpMethod !== httpMethod && route.httpMethod !== 'ANY') continue;
    const match = matchPath(route.resourcePath.split('/').filter(Boolean), segments);
    if (match)
      candidates.push({ route, params: match.params, score: [...match.score, route.httpMethod === 'ANY' ? 0 : 1] });
  }
  candidates.sort((a, b) => compareScores(b.score, a.score));
  const best = candidates[0];
  if (!best) return undefined;
  return { route: best.route, pathParameters: Object.keys(best.params).length ? best.params : null };
}

/** Score per segment: 2 static, 1 {param}, 0 {proxy+}: compared left to right. */
function matchPath(
  parts: string[],
  segments: string[],
): { params: Record<string, string>; score: number[] } | undefined {
  const params: Record<string, string> = {};
  const score: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy) {
      if (i !== parts.length - 1 || segments.length <= i) return undefined;
      params[greedy[1]!] = segments.slice(i).map(decode).join('/');
      score.push(0);
      return { params, score };
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    const param = /^\{(.+)\}$/.exec(part);
    if (param) {
      params[param[1]!] = decode(segment);
      score.push(1);
    } else if (part === segment) score.push(2);
    else return undefined;
  }
  return parts.length === segments.length ? { params, score } : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { unqualifiedFunctionArn } from '../arns';
import type { IntrinsicResolver } from '../cloudformation/intrinsics';
import { resourcesOfType, type CfnTemplate } from '../cloudformation/template';
import { LambdaFunctionError, type LocalFunction } from '../lambda/lambda-function';
import type { GatewayErrorDetails, GatewayErrorType } from './gateway-responses';

/** API Gateway's default AuthorizerResultTtlInSeconds. */
const DEFAULT_TTL_SECONDS = 300;

/** An AWS::ApiGateway::Authorizer of type REQUEST or TOKEN (Lambda authorizers). */
export interface LambdaAuthorizer {
  id: string;
  name: string;
  type: 'REQUEST' | 'TOKEN';
  functionArn: string;
  /** Mapping expressions, e.g. method.request.header.Authorization, context.httpMethod. */
  identitySources: string[];
  ttlSeconds: number;
}

/** Reads the template's Lambda authorizers, by authorizer id (what a Method's AuthorizerId resolves to). */
export function readAuthorizers(
  template: CfnTemplate,
  resolver: IntrinsicResolver,
  log: (line: string) => void,
): Map<string, LambdaAuthorizer> {
  const authorizers = new Map<string, LambdaAuthorizer>();
  for (const [logicalId, r] of resourcesOfType(template, 'AWS::ApiGateway::Authorizer')) {
    const props = resolver.resolve(r.Properties ?? {}) as Record<string, unknown>;
    const id = resolver.resolveString({ Ref: logicalId });
    const type = String(props.Type);
    const functionArn = /functions\/(.+?)\/invocations/.exec(String(props.AuthorizerUri ?? ''))?.[1];
    if ((type !== 'REQUEST' && type !== 'TOKEN') || !functionArn) {
      log(`⚠ authorizer ${logicalId}: type ${type} is not emulated; its methods answer 500`);
      continue;
    }
    const identitySource = typeof props.IdentitySource === 'string' ? props.IdentitySource : '';
    authorizers.set(id, {
      id,
      name: typeof props.Name === 'string' ? props.Name : logicalId,
      type,
      functionArn: unqualifiedFunctionArn(functionArn),
      identitySources: identitySource
        .split(',')
        .map((source) => source.trim())
        .filter(Boolean),
      ttlSeconds:
        props.AuthorizerResultTtlInSeconds === undefined
          ? DEFAULT_TTL_SECONDS
          : Number(props.AuthorizerResultTtlInSeconds),
    });
  }
  return authorizers;
}

/** What a Lambda authorizer answered: its policy, context and (for usage plans) the API key it names. */
export interface AuthorizerResult {
  principalId: string;
  policyDocument: unknown;
  context: Record<string, string>;
  usageIdentifierKey?: string;
}

export type AuthorizationOutcome =
  { ok: true; result: AuthorizerResult } | { ok: false; type: GatewayErrorType; details?: GatewayErrorDetails };

export interface AuthorizeInput {
  authorizer: LambdaAuthorizer;
  /** The proxy event the integration would get: headers, query string, path parameters, request context. */
  event: APIGatewayProxyEvent;
  /** arn:aws:execute-api:region:account:apiId/stage/METHOD/path */
  methodArn: string;
}

/**
 * Runs Lambda authorizers the way API Gateway does: 401 when an identity source is missing or the
 * function fails with "Unauthorized"; answers cached per authorizer and identity source values for
 * the authorizer's TTL (the cached policy is then checked against each request's method ARN); the
 * policy's Deny wins over its Allow, and no matching Allow is a 403.
 */
export class LambdaAuthorizers {
  private readonly cache = new Map<string, { result: AuthorizerResult; expiresAt: number }>();

  constructor(
    private readonly functionsByArn: Map<string, LocalFunction>,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async authorize(input: AuthorizeInput): Promise<AuthorizationOutcome> {
    const { authorizer, event } = input;
    const identity = authorizer.identitySources.map((source) => identityValue(source, event));
    if (identity.some((value) => !value)) return { ok: false, type: 'UNAUTHORIZED' };
    const cacheKey =
      authorizer.ttlSeconds > 0 && identity.length > 0 ? [authorizer.id, ...identity].join('\u0000') : undefined;
    let result = cacheKey ? this.cached(cacheKey) : undefined;
    if (!result) {
      const fn = this.functionsByArn.get(authorizer.functionArn);
      if (!fn) {
        this.log(`authorizer ${authorizer.name}: no local function for ${authorizer.functionArn}`);
        return { ok: false, type: 'AUTHORIZER_CONFIGURATION_ERROR' };
      }
      let answer: unknown;
      try {
        answer = await fn.invoke(authorizerEvent(authorizer, event, input.methodArn, identity[0]));
      } catch (error) {
        if (error instanceof LambdaFunctionError && error.message === 'Unauthorized')
          return { ok: false, type: 'UNAUTHORIZED' };
        this.log(`authorizer ${authorizer.name} failed: ${(error as Error).message}`);
        return { ok: false, type: 'AUTHORIZER_FAILURE' };
      }
      result = parseResult(answer);
      if (!result) {
        this.log(`authorizer ${authorizer.name}: the answer has no principalId or policyDocument`);
        return { ok: false, type: 'AUTHORIZER_CONFIGURATION_ERROR' };
      }
      if (cacheKey) this.cache.set(cacheKey, { result, expiresAt: this.now() + authorizer.ttlSeconds * 1000 });
    }
    const effect = evaluatePolicy(result.policyDocument, input.methodArn);
    if (effect === 'Allow') return { ok: true, result };
    return {
      ok: false,
      type: 'ACCESS_DENIED',
      details: {
        message:
          effect === 'Deny'
            ? 'User is not authorized to access this resource with an explicit deny'
            : 'User is not authorized to access this resource',
      },
    };
  }

  private cached(key: string): AuthorizerResult | undefined {
    const entry = this.cache.get(key);
    if (entry && entry.expiresAt > this.now()) return entry.result;
    this.cache.delete(key);
    return undefined;
  }
}

/** The value of one identity source mapping expression for this request; undefined or '' when absent. */
export function identityValue(source: string, event: APIGatewayProxyEvent): string | undefined {
  const header = /^method\.request\.header\.(.+)$/i.exec(source);
  if (header) {
    const wanted = header[1]!.toLowerCase();
    return Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === wanted)?.[1];
  }
  const query = /^method\.request\.querystring\.(.+)$/.exec(source);
  if (query) return event.queryStringParameters?.[query[1]!];
  const stageVariable = /^stageVariables\.(.+)$/.exec(source);
  if (stageVariable) return event.stageVariables?.[stageVariable[1]!];
  const context = /^context\.(.+)$/.exec(source);
  if (context) {
    let value: unknown = event.requestContext;
    for (const part of context[1]!.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
    return value === undefined || value === null ? undefined : String(value);
  }
  return undefined;
}

function authorizerEvent(
  authorizer: LambdaAuthorizer,
  event: APIGatewayProxyEvent,
  methodArn: string,
  token: string | undefined,
): unknown {
  if (authorizer.type === 'TOKEN') return { type: 'TOKEN', authorizationToken: token, methodArn };
  const { body: _body, isBase64Encoded: _encoded, ...request } = event;
  return { type: 'REQUEST', methodArn, ...request };
}

function parseResult(answer: unknown): AuthorizerResult | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const r = answer as Record<string, unknown>;
  if (typeof r.principalId !== 'string' || typeof r.policyDocument !== 'object' || r.policyDocument === null)
    return undefined;
  const context: Record<string, string> = {};
  // API Gateway passes context values (strings, numbers, booleans) on to the integration as strings.
  for (const [key, value] of Object.entries((r.context ?? {}) as Record<string, unknown>))
    if (value !== null && typeof value !== 'object') context[key] = String(value);
  return {
    principalId: r.principalId,
    policyDocument: r.policyDocument,
    context,
    ...(typeof r.usageIdentifierKey === 'string' ? { usageIdentifierKey: r.usageIdentifierKey } : {}),
  };
}

/** IAM-style evaluation of an authorizer policy for execute-api:Invoke on one method ARN. */
export function evaluatePolicy(policyDocument: unknown, methodArn: string): 'Allow' | 'Deny' | 'NoMatch' {
  const statements = (policyDocument as { Statement?: unknown }).Statement;
  let allowed = false;
  for (const statement of Array.isArray(statements) ? statements : [statements]) {
    if (typeof statement !== 'object' || statement === null) continue;
    const s = statement as { Effect?: unknown; Action?: unknown; Resource?: unknown };
    const actions = ([] as unknown[]).concat(s.Action ?? []).map(String);
    if (!actions.some((action) => wildcardMatch(action.toLowerCase(), 'execute-api:invoke'))) continue;
    const resources = ([] as unknown[]).concat(s.Resource ?? []).map(String);
    if (!resources.some((resource) => wildcardMatch(resource, methodArn))) continue;
    if (s.Effect === 'Deny') return 'Deny';
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'Allow' : 'NoMatch';
}

/** IAM wildcards: * any run of characters (slashes included), ? one character. */
function wildcardMatch(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

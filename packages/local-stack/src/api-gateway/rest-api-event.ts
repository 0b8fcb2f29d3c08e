import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../arns';
import type { RouteMatch } from './rest-api-routes';
import { rawHeaderPairs, requestValues } from './request-values';

export interface IncomingRequest {
  method: string;
  /** Path and query as received, e.g. /items/1?x=2. */
  url: string;
  /** Alternating names and values, with the client's original casing (node's rawHeaders). */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
}

/** Content types whose bodies API Gateway passes as text; anything else goes base64-encoded. */
function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript|[\w.+-]+\+(json|xml)))/i.test(contentType);
}

/** Builds the Lambda proxy event API Gateway v1 (REST) sends for a request. */
export function buildProxyEvent(
  request: IncomingRequest,
  match: RouteMatch,
  requestId = randomUUID(),
): APIGatewayProxyEvent {
  const url = new URL(request.url, 'http://localhost');
  const { single: headers, multi: multiValueHeaders } = requestValues(rawHeaderPairs(request.rawHeaders), 'last');
  const header = (name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];

  // API Gateway keeps a repeated parameter's last value.
  const { single: queryStringParameters, multi: multiValueQueryStringParameters } = requestValues(
    url.searchParams,
    'last',
  );
  const hasQuery = Object.keys(queryStringParameters).length > 0;
  const hasHeaders = Object.keys(headers).length > 0;

  const isBase64Encoded = request.body.length > 0 && !isTextContentType(header('content-type'));
  const body =
    request.body.length === 0
      ? null
      : isBase64Encoded
        ? request.body.toString('base64')
        : request.body.toString('utf8');
  const { route } = match;
  const now = Date.now();

  return {
    resource: route.resourcePath,
    path: url.pathname,
    httpMethod: request.method,
    headers: hasHeaders ? headers : (null as unknown as Record<string, string>),
    multiValueHeaders: hasHeaders ? multiValueHeaders : (null as unknown as Record<string, string[]>),
    queryStringParameters: hasQuery ? queryStringParameters : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters: match.pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: route.apiId,
      authorizer: undefined,
      resourceId: route.resourceId,
      resourcePath: route.resourcePath,
      httpMethod: request.method,
      path: `/${route.stageName}${url.pathname}`,
      stage: route.stageName,
      requestId,
      extendedRequestId: requestId,
      requestTimeEpoch: now,
      requestTime: formatRequestTime(new Date(now)),
      domainName: header('host') ?? 'localhost',
      protocol: 'HTTP/1.1',
      identity: {
        sourceIp: request.sourceIp,
        userAgent: header('user-agent') ?? null,
        apiKey: header('x-api-key') ?? null,
        apiKeyId: null,
        accessKey: null,
        accountId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
      },
    },
    body,
    isBase64Encoded,
  };
}

/** API Gateway's requestTime format: 09/Apr/2015:12:34:56 +0000. */
function formatRequestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Maps a proxy integration result back to HTTP; undefined when the result is malformed (API Gateway answers 502). */
export function proxyResultToResponse(result: unknown): HttpResponse | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as {
    statusCode?: unknown;
    headers?: unknown;
    multiValueHeaders?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const statusCode = Number(r.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries((r.headers ?? {}) as Record<string, unknown>))
    headers[name] = String(value);
  for (const [name, values] of Object.entries((r.multiValueHeaders ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(values)) headers[name] = values.map(String);
  }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
    headers['Content-Type'] = 'application/json';
  const text = typeof r.body === 'string' ? r.body : '';
  const body = r.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { statusCode, headers, body };
}

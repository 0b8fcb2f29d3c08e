import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_REGION, formatArn, LOCAL_ACCOUNT_ID, unqualifiedFunctionArn } from '../arns';
import { LambdaAuthorizers, type LambdaAuthorizer } from './authorizers';
import { UsagePlans } from './usage-plans';
import { gatewayErrorResponse, type GatewayErrorDetails, type GatewayErrorType } from './gateway-responses';
import { LambdaThrottledError, LambdaTimeoutError, type LocalFunction } from '../lambda/lambda-function';
import { isLoopbackHost, MISDIRECTED_REQUEST_PROBLEM } from '../loopback-host.mjs';
import { buildProxyEvent, proxyResultToResponse, type HttpResponse } from './rest-api-event';
import { RequestValidation } from './request-validation';
import { StreamedResponseReader } from './streamed-response';
import { matchRoute, type RestApiDefinitions } from './rest-api-routes';

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface RestApiServerOptions {
  port: number;
  /** The address to listen on. Default 127.0.0.1: the local stack has a well-known key and is for this machine only. */
  host?: string;
  apis: RestApiDefinitions;
  /** Function by ARN (unqualified). */
  functionsByArn: Map<string, LocalFunction>;
  apiKeys: string[];
  /** API keys and usage plans (rate, burst, quota); default: the apiKeys above, metered by no plan. */
  usagePlans?: UsagePlans;
  /** Lambda authorizers by id (Methods with AuthorizationType CUSTOM); default none. */
  authorizers?: Map<string, LambdaAuthorizer>;
  /** For method ARNs; default DEFAULT_REGION. */
  region?: string;
  log: (line: string) => void;
  /** What the local admin routes (under /_local/) act on. */
  admin?: LocalAdmin;
}

/** The local stack's own operations behind the /_local/ admin routes. */
export interface LocalAdmin {
  /** Fires a scheduled rule now; rejects with UnknownRuleError or RuleNotFireableError. */
  fireRule(
    reference: string,
  ): Promise<{ rule: { logicalId: string; ruleName: string; ruleArn: string }; results: unknown[] }>;
}

/**
 * The path prefix reserved for the local stack's admin routes, which do not exist in AWS. It is
 * checked before the template's routes, so a catch-all {proxy+} cannot hide them; a template route
 * under /_local/ is unreachable locally (startRestApiServer warns about it).
 *   POST /_local/rules/{logicalIdOrName}/fire → 200 {rule, results} | 404 | 409 | 502
 * Each needs the LOCAL_ADMIN_HEADER: a page of another origin can only send it after a CORS
 * preflight, which these routes never grant.
 */
export const LOCAL_ADMIN_PREFIX = '/_local/';
export const LOCAL_ADMIN_HEADER = { name: 'x-local-admin', value: '1' } as const;

export interface RunningRestApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves every REST API route of the template at the root (no stage prefix), like API Gateway with Lambda proxy integrations. */
export async function startRestApiServer(options: RestApiServerOptions): Promise<RunningRestApiServer> {
  for (const route of options.apis.routes) {
    if (`${route.resourcePath}/`.startsWith(LOCAL_ADMIN_PREFIX))
      options.log(
        `⚠ route ${route.httpMethod} ${route.resourcePath}: ${LOCAL_ADMIN_PREFIX} is reserved for the local stack's admin routes, unreachable locally`,
      );
  }
  const validation = new RequestValidation(options.apis, options.log);
  const gate: Gate = {
    usagePlans: options.usagePlans ?? new UsagePlans(options.apiKeys),
    authorizers: options.authorizers ?? new Map(),
    lambdaAuthorizers: new LambdaAuthorizers(options.functionsByArn, options.log),
  };
  const server = createServer((req, res) => {
    handle(req, res, options, validation, gate).catch((error: unknown) => {
      options.log(`API error: ${(error as Error).stack ?? String(error)}`);
      send(res, gatewayErrorResponse('DEFAULT_5XX', options.apis.gatewayResponses, 'unknown'), 'unknown');
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://localhost:${port}`,
    port,
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** What stands between a request and its integration: authorizers, API keys, usage plans. */
interface Gate {
  usagePlans: UsagePlans;
  authorizers: Map<string, LambdaAuthorizer>;
  lambdaAuthorizers: LambdaAuthorizers;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: RestApiServerOptions,
  validation: RequestValidation,
  gate: Gate,
): Promise<void> {
  const requestId = randomUUID();
  const fail = (type: GatewayErrorType, details?: GatewayErrorDetails) =>
    send(res, gatewayErrorResponse(type, options.apis.gatewayResponses, requestId, details), requestId);
  req.on('error', () => {}); // the client went away: nothing to answer
  // Not API Gateway behaviour: the local stack refuses names other than loopback ones (DNS rebinding).
  if (!isLoopbackHost(req.headers.host)) {
    req.resume();
    return sendProblem(res, MISDIRECTED_REQUEST_PROBLEM);
  }
  // The client going away before its response is sent aborts the handler's context.abortSignal.
  const clientGone = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) clientGone.abort(new Error('The client closed the connection before the response'));
  });

  const body = await readBody(req);
  if (body === 'too-large') return fail('REQUEST_TOO_LARGE');
  if (!req.complete) return; // the client went away mid-request: API Gateway would not have invoked anything

  const method = req.method ?? 'GET';
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (pathname.startsWith(LOCAL_ADMIN_PREFIX)) return handleAdmin(req, res, method, pathname, options);
  const match = matchRoute(options.apis.routes, method, pathname);
  if (!match) return fail('MISSING_AUTHENTICATION_TOKEN');
  const { route } = match;
  const request = {
    method,
    url: req.url ?? '/',
    rawHeaders: req.rawHeaders,
    body,
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
  };
  const event = buildProxyEvent(request, match, requestId);
  // As API Gateway: the authorizer, then the API key and its usage plan, then request validation.
  let usageIdentifierKey: string | undefined;
  if (route.authorizerId !== undefined) {
    const authorizer = gate.authorizers.get(route.authorizerId);
    if (!authorizer) {
      options.log(`${method} ${route.resourcePath}: authorizer ${route.authorizerId} is not emulated`);
      return fail('AUTHORIZER_CONFIGURATION_ERROR');
    }
    const methodArn = formatArn({
      service: 'execute-api',
      region: options.region ?? DEFAULT_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      resource: `${route.apiId}/${route.stageName}/${method}${pathname}`,
    });
    const outcome = await gate.lambdaAuthorizers.authorize({ authorizer, event, methodArn });
    if (!outcome.ok) return fail(outcome.type, outcome.details);
    event.requestContext.authorizer = { ...outcome.result.context, principalId: outcome.result.principalId };
    usageIdentifierKey = outcome.result.usageIdentifierKey;
  }
  if (route.apiKeyRequired) {
    const key = route.apiKeySource === 'AUTHORIZER' ? usageIdentifierKey : headerValue(req, 'x-api-key');
    const refusal = gate.usagePlans.admit(route.apiId, route.stageName, key);
    if (refusal) return fail(refusal);
  }
  // The method's RequestValidator (parameters, then the body): an invalid request never reaches the integration.
  const invalid = validation.validate(match, { url: req.url ?? '/', rawHeaders: req.rawHeaders, body });
  if (invalid) return fail(invalid.type, invalid);

  const integration = route.integration;
  if (integration.type === 'MOCK') {
    return send(
      res,
      { statusCode: integration.statusCode, headers: integration.headers, body: Buffer.alloc(0) },
      requestId,
    );
  }
  if (integration.type !== 'AWS_PROXY') {
    options.log(`${method} ${route.resourcePath}: integration ${integration.description} is not emulated`);
    return fail('DEFAULT_5XX');
  }
  const fn = options.functionsByArn.get(unqualifiedFunctionArn(integration.functionArn));
  if (!fn) {
    options.log(`${method} ${route.resourcePath}: no local function for ${integration.functionArn}`);
    return fail('DEFAULT_5XX');
  }

  const invocationFailed = (error: unknown) => {
    if (error instanceof LambdaThrottledError) {
      // API Gateway does not pass Lambda's 429 on: the client gets 500 "Internal server error".
      options.log(`${method} ${route.resourcePath} → ${fn.logicalId} throttled: ${error.message}`);
      return fail('INTEGRATION_FAILURE', { statusCode: 500 });
    }
    const reason =
      error instanceof LambdaTimeoutError ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
    options.log(`${method} ${route.resourcePath} → ${fn.logicalId} failed: ${reason}`);
    return fail('DEFAULT_5XX');
  };
  if (integration.transferMode === 'STREAM') {
    const label = `${method} ${route.resourcePath} → ${fn.logicalId}`;
    return streamIntegration(res, fn, event, integration.timeoutMs, clientGone, requestId, {
      log: (line) => options.log(`${label}: ${line}`),
      fail,
      invocationFailed,
    });
  }

  let integrationTimer: NodeJS.Timeout | undefined;
  const integrationTimeout = new Promise<'integration-timeout'>((resolve) => {
    integrationTimer = setTimeout(() => resolve('integration-timeout'), integration.timeoutMs);
  });
  try {
    const outcome = await Promise.race([fn.invoke(event, { signal: clientGone.signal }), integrationTimeout]);
    if (outcome === 'integration-timeout') return fail('INTEGRATION_TIMEOUT');
    const response = proxyResultToResponse(outcome);
    if (!response) {
      options.log(`${method} ${route.resourcePath} → ${fn.logicalId}: malformed Lambda proxy response`);
      return fail('DEFAULT_5XX');
    }
    return send(res, response, requestId);
  } catch (error) {
    return invocationFailed(error);
  } finally {
    clearTimeout(integrationTimer);
  }
}

/**
 * A STREAM integration: InvokeWithResponseStream, the prelude's status and headers as soon as the
 * handler wrote them, then each chunk as it comes (chunked transfer encoding), for the life of one
 * invocation in one execution environment. The integration timeout bounds the whole stream. An
 * error before the prelude is answered as for a buffered integration; after it, the connection is
 * cut (the client sees a truncated response, as from API Gateway).
 */
async function streamIntegration(
  res: ServerResponse,
  fn: LocalFunction,
  event: unknown,
  timeoutMs: number,
  clientGone: AbortController,
  requestId: string,
  on: {
    log(line: string): void;
    fail(type: GatewayErrorType): void;
    invocationFailed(error: unknown): void;
  },
): Promise<void> {
  const reader = new StreamedResponseReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    on.log(`integration timeout after ${timeoutMs} ms`);
    if (reader.headRead) res.destroy();
    else on.fail('INTEGRATION_TIMEOUT');
    clientGone.abort(new Error('The integration timed out'));
  }, timeoutMs);
  const onChunk = (chunk: Uint8Array) => {
    if (timedOut || res.destroyed) return;
    const { head, body } = reader.push(chunk);
    if (head) {
      res.on('error', () => {});
      res.writeHead(head.statusCode, { ...head.headers, 'x-amzn-RequestId': requestId });
      res.flushHeaders();
    }
    if (body) res.write(body);
  };
  try {
    await fn.invokeWithResponseStream(event, onChunk, { signal: clientGone.signal });
    if (timedOut) return;
    if (!reader.headRead) {
      on.log(reader.malformed ? 'malformed response prelude' : 'the stream ended without a response prelude');
      return on.fail('DEFAULT_5XX');
    }
    res.end();
  } catch (error) {
    if (timedOut) return;
    if (reader.headRead) {
      on.log(`failed mid-stream: ${(error as Error).name}: ${(error as Error).message}`);
      res.destroy();
    } else on.invocationFailed(error);
  } finally {
    clearTimeout(timer);
  }
}

/** The /_local/ admin routes: JSON in, JSON out, loopback clients only. */
async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  pathname: string,
  options: RestApiServerOptions,
): Promise<void> {
  const json = (statusCode: number, value: unknown, headers: Record<string, string> = {}) =>
    send(
      res,
      {
        statusCode,
        headers: { 'Content-Type': 'application/json', ...headers },
        body: Buffer.from(JSON.stringify(value)),
      },
      randomUUID(),
    );
  const remote = req.socket.remoteAddress ?? '';
  if (!/^(127\.|::1$|::ffff:127\.)/.test(remote))
    return json(403, { message: 'The local admin routes only answer loopback clients' });
  if (req.headers[LOCAL_ADMIN_HEADER.name] !== LOCAL_ADMIN_HEADER.value) {
    return sendProblem(res, {
      type: 'urn:serverless-jobs:problem:local-admin-header',
      title: 'Local admin header required',
      status: 403,
      detail: `The /_local/ admin routes need the header ${LOCAL_ADMIN_HEADER.name}: ${LOCAL_ADMIN_HEADER.value}, which a web page of another origin cannot send without a preflight these routes refuse.`,
    });
  }
  const fire = /^\/_local\/rules\/([^/]+)\/fire\/?$/.exec(pathname);
  if (!fire) return json(404, { message: `No local admin route ${pathname}` });
  if (method !== 'POST') return json(405, { message: 'Use POST' }, { Allow: 'POST' });
  let reference: string;
  try {
    reference = decodeURIComponent(fire[1]!);
  } catch {
    return json(400, { message: 'Malformed rule name' });
  }
  if (!options.admin) return json(404, { message: `No rule ${reference}` });
  try {
    return json(200, await options.admin.fireRule(reference));
  } catch (error) {
    const { name, message } = error as Error;
    if (name === 'UnknownRuleError') return json(404, { message });
    if (name === 'RuleNotFireableError') return json(409, { message });
    const errorType = (error as { errorType?: string }).errorType ?? name;
    options.log(`POST ${pathname} failed: ${errorType}: ${message}`);
    return json(502, { rule: reference, error: { errorType, errorMessage: message } });
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads the request body, or reports 'too-large' past API Gateway's 10 MB limit (the rest is read and discarded). */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      req.resume();
      return resolve('too-large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        resolve('too-large');
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('close', () => resolve(Buffer.concat(chunks))); // aborted by the client: whatever arrived is all there is
  });
}

function sendProblem(res: ServerResponse, problem: { status: number; [field: string]: unknown }): void {
  send(
    res,
    {
      statusCode: problem.status,
      headers: { 'Content-Type': 'application/problem+json' },
      body: Buffer.from(JSON.stringify(problem)),
    },
    randomUUID(),
  );
}

function send(res: ServerResponse, response: HttpResponse, requestId: string): void {
  if (res.headersSent || res.destroyed) return; // e.g. the client aborted
  res.on('error', () => {});
  res.writeHead(response.statusCode, {
    ...response.headers,
    'x-amzn-RequestId': requestId,
    'Content-Length': response.body.length,
  });
  res.end(response.body);
}

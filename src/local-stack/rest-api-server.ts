import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gatewayErrorResponse, type GatewayErrorType } from './gateway-responses';
import { LambdaTimeoutError, type LocalFunction } from './lambda-function';
import { buildProxyEvent, proxyResultToResponse, type HttpResponse } from './rest-api-event';
import { matchRoute, type RestApiDefinitions } from './rest-api-routes';

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface RestApiServerOptions {
  port: number;
  apis: RestApiDefinitions;
  /** Function by ARN (unqualified). */
  functionsByArn: Map<string, LocalFunction>;
  apiKeys: string[];
  log: (line: string) => void;
}

export interface RunningRestApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves every REST API route of the template at the root (no stage prefix), like API Gateway with Lambda proxy integrations. */
export async function startRestApiServer(options: RestApiServerOptions): Promise<RunningRestApiServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      options.log(`API error: ${(error as Error).stack ?? String(error)}`);
      send(res, gatewayErrorResponse('DEFAULT_5XX', options.apis.gatewayResponses, 'unknown'), 'unknown');
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve());
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

async function handle(req: IncomingMessage, res: ServerResponse, options: RestApiServerOptions): Promise<void> {
  const requestId = randomUUID();
  const fail = (type: GatewayErrorType) =>
    send(res, gatewayErrorResponse(type, options.apis.gatewayResponses, requestId), requestId);
  req.on('error', () => {}); // the client went away: nothing to answer

  const body = await readBody(req);
  if (body === 'too-large') return fail('REQUEST_TOO_LARGE');

  const method = req.method ?? 'GET';
  const match = matchRoute(options.apis.routes, method, new URL(req.url ?? '/', 'http://localhost').pathname);
  if (!match) return fail('MISSING_AUTHENTICATION_TOKEN');
  const { route } = match;
  if (route.apiKeyRequired) {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !options.apiKeys.includes(key)) return fail('INVALID_API_KEY');
  }

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
  const fn = options.functionsByArn.get(
    integration.functionArn.replace(/^(arn:[^:]*:lambda:[^:]*:[^:]*:function:[^:]+).*$/, '$1'),
  );
  if (!fn) {
    options.log(`${method} ${route.resourcePath}: no local function for ${integration.functionArn}`);
    return fail('DEFAULT_5XX');
  }

  const event = buildProxyEvent(
    {
      method,
      url: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    },
    match,
    requestId,
  );
  let integrationTimer: NodeJS.Timeout | undefined;
  const integrationTimeout = new Promise<'integration-timeout'>((resolve) => {
    integrationTimer = setTimeout(() => resolve('integration-timeout'), integration.timeoutMs);
  });
  try {
    const outcome = await Promise.race([fn.invoke(event), integrationTimeout]);
    if (outcome === 'integration-timeout') return fail('INTEGRATION_TIMEOUT');
    const response = proxyResultToResponse(outcome);
    if (!response) {
      options.log(`${method} ${route.resourcePath} → ${fn.logicalId}: malformed Lambda proxy response`);
      return fail('DEFAULT_5XX');
    }
    return send(res, response, requestId);
  } catch (error) {
    const reason =
      error instanceof LambdaTimeoutError ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
    options.log(`${method} ${route.resourcePath} → ${fn.logicalId} failed: ${reason}`);
    return fail('DEFAULT_5XX');
  } finally {
    clearTimeout(integrationTimer);
  }
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

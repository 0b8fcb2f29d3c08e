import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { unqualifiedFunctionArn } from '../arns';
import type { LocalFunction } from '../lambda/lambda-function';
import { selectRoute, type WebSocketApiDefinition, type WebSocketRoute } from './websocket-apis';
import { rawHeaderPairs, requestValues } from '../api-gateway/request-values';

/** API Gateway's limit on one WebSocket message (frames may be smaller; ws reassembles them). */
const MAX_MESSAGE_BYTES = 128 * 1024;
/**
 * How long an idle keep-alive connection to @connections stays open. Node's default (5 s) closes a
 * socket whose next request already arrived when this process stalls longer than that (seen on a
 * loaded machine: a notifier posting to 1,000 connections got dozens of ECONNRESETs at once, past
 * the SDK's retry quota); AWS's endpoints keep idle connections open far longer.
 */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;

export interface WebSocketApiServerOptions {
  /** Keys accepted where a route has ApiKeyRequired (the same list as the REST API's). */
  apiKeys: string[];
  log: (line: string) => void;
  /** Default 127.0.0.1, like the REST API server. */
  host?: string;
}

interface LocalConnection {
  connectionId: string;
  socket: WebSocket;
  api: WebSocketApiDefinition;
  stage: string;
  domainName: string;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string | undefined;
  apiKey: string | null;
  /** Headers of the upgrade request, which $disconnect sees again. */
  headers: Record<string, string>;
}

interface ListeningApi {
  logicalId: string;
  apiId: string;
  server: Server;
  /** ws://host:port, what GetAtt ApiEndpoint resolves to. */
  endpoint: string;
  definition?: WebSocketApiDefinition;
}

/** API ids look like API Gateway's (10 lowercase alphanumerics), stable per logical id. */
const fakeApiId = (logicalId: string) =>
  createHash('sha256').update(`websocket:${logicalId}`).digest('hex').slice(0, 10);

/** Connection ids look like API Gateway's (`L0SM9cOFvHcCIhw=`), URL-safe here so they need no escaping. */
const newConnectionId = () => `${randomBytes(10).toString('base64url')}=`;

/**
 * Every WebSocket API of the template, one HTTP server each: the upgrade on `/<stage>` runs
 * `$connect` (a non-2xx answer refuses it), each message runs the route its body selects, a close
 * runs `$disconnect`. The same servers answer the @connections management API (POST, GET, DELETE
 * `…/@connections/{connectionId}`, 410 for a connection that is gone) for every connection, so one
 * endpoint serves all APIs whatever the stage path.
 */
export class LocalWebSocketApis {
  private readonly connections = new Map<string, LocalConnection>();
  private functionsByArn = new Map<string, LocalFunction>();

  private constructor(
    private readonly listening: ListeningApi[],
    private readonly options: WebSocketApiServerOptions,
  ) {
    for (const api of listening) {
      const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
      api.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        void this.upgrade(api, sockets, req, socket, head).catch((error: Error) => {
          options.log(`WebSocket ${api.logicalId}: upgrade failed: ${error.message}`);
          socket.destroy();
        });
      });
      api.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        void this.manage(req, res).catch((error: Error) => {
          options.log(`@connections: ${error.message}`);
          if (!res.headersSent) res.writeHead(500).end();
        });
      });
    }
  }

  /** Starts one server per API (port 0: free ports) before the functions exist, so their URLs can be resolved. */
  static async listen(logicalIds: string[], options: WebSocketApiServerOptions): Promise<LocalWebSocketApis> {
    const host = options.host ?? '127.0.0.1';
    const listening = await Promise.all(
      logicalIds.map(
        (logicalId) =>
          new Promise<ListeningApi>((resolve, reject) => {
            const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });
            server.on('error', reject);
            server.listen(0, host, () => {
              const address = server.address();
              const port = typeof address === 'object' && address ? address.port : 0;
              resolve({ logicalId, apiId: fakeApiId(logicalId), server, endpoint: `ws://${host}:${port}` });
            });
          }),
      ),
    );
    return new LocalWebSocketApis(listening, options);
  }

  /** ws://host:port of each API, by logical id, with its id. */
  get endpoints(): { logicalId: string; apiId: string; endpoint: string }[] {
    return this.listening.map(({ logicalId, apiId, endpoint }) => ({ logicalId, apiId, endpoint }));
  }

  /** Where the @connections API is served (any of the servers would do), for AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI. */
  get managementEndpoint(): string | undefined {
    return this.listening[0]?.endpoint.replace(/^ws:/, 'http:');
  }

  /** The stage URLs, `ws://host:port/<stage>`, of every API being served. */
  get urls(): string[] {
    return this.listening.flatMap((api) =>
      (api.definition?.stageNames ?? []).map((stage) => `${api.endpoint}/${stage}`),
    );
  }

  /** Starts serving the APIs' routes with these functions. */
  serve(definitions: WebSocketApiDefinition[], functionsByArn: Map<string, LocalFunction>): void {
    this.functionsByArn = functionsByArn;
    for (const definition of definitions) {
      const api = this.listening.find((candidate) => candidate.logicalId === definition.logicalId);
      if (api) api.definition = definition;
    }
  }

  /** Closes every connection (running `$disconnect`), then the servers. */
  async close(): Promise<void> {
    for (const connection of this.connections.values()) connection.socket.close(1001, 'Going away');
    await Promise.all(
      this.listening.map(
        (api) =>
          new Promise<void>((resolve) => {
            api.server.closeAllConnections();
            api.server.close(() => resolve());
          }),
      ),
    );
  }

  private functionOf(route: WebSocketRoute | undefined): LocalFunction | undefined {
    return route?.functionArn ? this.functionsByArn.get(unqualifiedFunctionArn(route.functionArn)) : undefined;
  }

  private async upgrade(
    listening: ListeningApi,
    sockets: WebSocketServer,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    const refuse = (status: number, message: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n` +
          JSON.stringify({ message }),
      );
    };
    const api = listening.definition;
    if (!api) return refuse(503, 'Service Unavailable');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const stage = url.pathname.replace(/^\/+|\/+$/g, '');
    if (!api.stageNames.includes(stage)) return refuse(403, 'Forbidden');

    const connectionId = newConnectionId();
    const { single: headers, multi: multiValueHeaders } = requestValues(rawHeaderPairs(req.rawHeaders), 'joined');
    const connect = api.routes.get('$connect');
    let apiKey: string | null = null;
    if (connect?.apiKeyRequired) {
      const key = req.headers[api.apiKeyHeader];
      if (typeof key !== 'string' || !this.options.apiKeys.includes(key)) return refuse(403, 'Forbidden');
      apiKey = key;
    }
    const now = Date.now();
    const connection: Omit<LocalConnection, 'socket'> = {
      connectionId,
      api,
      stage,
      domainName: req.headers.host ?? listening.endpoint.replace(/^ws:\/\//, ''),
      connectedAt: now,
      lastActiveAt: now,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      userAgent: req.headers['user-agent'],
      apiKey,
      headers,
    };
    if (connect) {
      const fn = this.functionOf(connect);
      if (!fn) {
        this.options.log(`WebSocket $connect: ${connect.integrationDescription} is not emulated`);
        return refuse(500, 'Internal Server Error');
      }
      const query = [...url.searchParams.keys()];
      const event = {
        headers,
        multiValueHeaders,
        ...(query.length > 0
          ? {
              queryStringParameters: Object.fromEntries(url.searchParams),
              multiValueQueryStringParameters: Object.fromEntries(query.map((k) => [k, url.searchParams.getAll(k)])),
            }
          : {}),
        requestContext: this.requestContext(connection, '$connect', 'CONNECT'),
        isBase64Encoded: false,
      };
      let statusCode: number;
      try {
        const result = (await fn.invoke(event)) as { statusCode?: unknown } | null;
        statusCode = Number(result?.statusCode ?? 200);
      } catch (error) {
        this.options.log(`WebSocket $connect → ${fn.logicalId} failed: ${(error as Error).message}`);
        statusCode = 500;
      }
      if (statusCode < 200 || statusCode > 299)
        return refuse(statusCode, statusCode >= 500 ? 'Internal Server Error' : 'Forbidden');
    }
    sockets.handleUpgrade(req, socket, head, (ws) => this.open({ ...connection, socket: ws }));
  }

  private open(connection: LocalConnection): void {
    this.connections.set(connection.connectionId, connection);
    connection.socket.on('message', (data: RawData, isBinary: boolean) => {
      connection.lastActiveAt = Date.now();
      void this.message(connection, Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]), isBinary);
    });
    connection.socket.on('close', (code: number, reason: Buffer) => {
      this.connections.delete(connection.connectionId);
      void this.disconnect(connection, code, reason.toString());
    });
    connection.socket.on('error', () => connection.socket.terminate());
  }

  private async message(connection: LocalConnection, data: Buffer, isBinary: boolean): Promise<void> {
    const body = isBinary ? data.toString('base64') : data.toString('utf8');
    const route = selectRoute(connection.api, isBinary ? '' : body);
    const requestId = randomUUID();
    const reply = (message: string) =>
      connection.socket.send(JSON.stringify({ message, connectionId: connection.connectionId, requestId }));
    if (!route) return reply('Forbidden');
    const fn = this.functionOf(route);
    if (!fn) {
      this.options.log(`WebSocket ${route.routeKey}: ${route.integrationDescription} is not emulated`);
      return reply('Internal server error');
    }
    const event = {
      requestContext: {
        ...this.requestContext(connection, route.routeKey, 'MESSAGE'),
        messageId: randomBytes(10).toString('base64url'),
        requestId,
      },
      body,
      isBase64Encoded: isBinary,
    };
    try {
      await fn.invoke(event);
    } catch (error) {
      this.options.log(`WebSocket ${route.routeKey} → ${fn.logicalId} failed: ${(error as Error).message}`);
      reply('Internal server error');
    }
  }

  private async disconnect(connection: LocalConnection, code: number, reason: string): Promise<void> {
    const route = connection.api.routes.get('$disconnect');
    const fn = this.functionOf(route);
    if (!fn) return;
    const event = {
      headers: connection.headers,
      requestContext: {
        ...this.requestContext(connection, '$disconnect', 'DISCONNECT'),
        disconnectStatusCode: code,
        disconnectReason: reason,
      },
      isBase64Encoded: false,
    };
    // Best effort, as on AWS: nobody waits for $disconnect and its failure changes nothing.
    await fn.invoke(event).catch((error: Error) => {
      this.options.log(`WebSocket $disconnect → ${fn.logicalId} failed: ${error.message}`);
    });
  }

  private requestContext(connection: Omit<LocalConnection, 'socket'>, routeKey: string, eventType: string) {
    const now = Date.now();
    return {
      routeKey,
      eventType,
      extendedRequestId: randomBytes(10).toString('base64url'),
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage: connection.stage,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: now,
      identity: {
        sourceIp: connection.sourceIp,
        ...(connection.userAgent ? { userAgent: connection.userAgent } : {}),
        ...(connection.apiKey ? { apiKey: connection.apiKey } : {}),
      },
      requestId: randomUUID(),
      domainName: connection.domainName,
      connectionId: connection.connectionId,
      apiId: connection.api.apiId,
    };
  }

  /** The @connections API: `POST|GET|DELETE …/@connections/{connectionId}` under any stage path. */
  private async manage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'x-amzn-RequestId': randomUUID(),
        ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /\/@connections\/([^/]+)$/.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!match) return json(404, { message: 'Not Found' });
    const connectionId = decodeURIComponent(match[1]!);
    const connection = this.connections.get(connectionId);
    if (!connection || connection.socket.readyState !== connection.socket.OPEN) {
      return json(410, { message: null }, 'GoneException');
    }
    switch (req.method) {
      case 'POST': {
        const data = Buffer.concat(chunks);
        if (data.length > MAX_MESSAGE_BYTES)
          return json(413, { message: 'Message too long' }, 'PayloadTooLargeException');
        connection.socket.send(data, { binary: false });
        return json(200, undefined);
      }
      case 'GET':
        return json(200, {
          ConnectedAt: new Date(connection.connectedAt).toISOString(),
          LastActiveAt: new Date(connection.lastActiveAt).toISOString(),
          Identity: { SourceIp: connection.sourceIp, UserAgent: connection.userAgent ?? '' },
        });
      case 'DELETE':
        connection.socket.close(1000, '');
        return json(204, undefined);
      default:
        return json(405, { message: 'Method Not Allowed' });
    }
  }
}

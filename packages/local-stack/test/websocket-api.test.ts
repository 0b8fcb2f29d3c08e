/**
 * WebSocket APIs from the template (test/fixtures/websocket-app): $connect with an API key and a
 * refusing answer, route selection on the body, $default, @connections POST/GET/DELETE and 410,
 * and the $disconnect event. The fixture's functions report their events to a server here.
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startLocalStack, type LocalStack } from '../src';
import { eventually } from './helpers';

const appDir = fileURLToPath(new URL('./fixtures/websocket-app', import.meta.url));
const API_KEY = 'socket-key';

interface ObservedEvent {
  requestContext: Record<string, unknown> & { connectionId: string; eventType: string; routeKey: string };
  queryStringParameters?: Record<string, string>;
  headers?: Record<string, string>;
}

let stack: LocalStack;
let starting: Promise<LocalStack> | undefined;
let observer: Server;
const observed: ObservedEvent[] = [];
const logLines: string[] = [];
const open: WebSocket[] = [];

beforeAll(async () => {
  observer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      observed.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ObservedEvent);
      res.end();
    });
  });
  await new Promise<void>((resolve) => observer.listen(0, '127.0.0.1', resolve));
  const address = observer.address();
  process.env.FIXTURE_OBSERVER_URL = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  starting = startLocalStack({
    appDir,
    port: 0,
    apiKeys: [API_KEY],
    environmentPrefixes: ['FIXTURE_'],
    log: (line) => logLines.push(line),
  });
  stack = await starting;
}, 240_000);

afterAll(async () => {
  for (const socket of open) socket.close();
  await (await starting?.catch(() => undefined))?.stop();
  await new Promise((resolve) => observer?.close(resolve));
}, 30_000);

const stageUrl = () => stack.webSocketUrls[0]!;
const managementUrl = (connectionId: string) =>
  `${stageUrl().replace(/^ws:/, 'http:')}/@connections/${encodeURIComponent(connectionId)}`;

/** Opens a connection; resolves once open (with every message it receives collected) or rejects when refused. */
function connect(query = '', headers: Record<string, string> = { 'x-api-key': API_KEY }) {
  return new Promise<{ socket: WebSocket; messages: Record<string, unknown>[] }>((resolve, reject) => {
    const socket = new WebSocket(`${stageUrl()}${query}`, { headers } as unknown as string[]);
    const messages: Record<string, unknown>[] = [];
    socket.onmessage = (event) => messages.push(JSON.parse(String(event.data)) as Record<string, unknown>);
    socket.onopen = () => {
      open.push(socket);
      resolve({ socket, messages });
    };
    socket.onerror = () => reject(new Error('refused'));
  });
}

async function reply(socket: WebSocket, messages: Record<string, unknown>[], body: string) {
  const before = messages.length;
  socket.send(body);
  return eventually(async () => messages.length > before && messages[before], 10_000, `a reply to ${body}`);
}

it('reports the URL of each stage, and serves the stage path only', async () => {
  expect(stack.webSocketUrls).toEqual([expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/test$/)]);
  expect(logLines).toContain(`WebSocket API: ${stageUrl()}`);
  await expect(connect('/../other')).rejects.toThrow('refused');
});

it('refuses a connection without the API key before $connect runs, and one that $connect answers with 401', async () => {
  const before = observed.length;
  await expect(connect('', {})).rejects.toThrow('refused');
  await expect(connect('', { 'x-api-key': 'wrong' })).rejects.toThrow('refused');
  expect(observed.length).toBe(before);
  await expect(connect('?refuse=yes')).rejects.toThrow('refused');
  const refused = await eventually(async () => observed.find((e) => e.queryStringParameters?.refuse === 'yes'));
  expect(refused.requestContext).toMatchObject({ eventType: 'CONNECT', routeKey: '$connect', stage: 'test' });
});

it('gives $connect the query, the headers and an API Gateway request context', async () => {
  const { socket, messages } = await connect('?token=abc');
  const { connectionId } = (await reply(socket, messages, JSON.stringify({ action: 'echo' }))) as {
    connectionId: string;
  };
  const event = await eventually(async () => observed.find((e) => e.requestContext.connectionId === connectionId));
  expect(event.queryStringParameters).toEqual({ token: 'abc' });
  expect(event.headers?.['x-api-key']).toBe(API_KEY);
  expect(event.requestContext).toMatchObject({
    eventType: 'CONNECT',
    routeKey: '$connect',
    stage: 'test',
    apiId: expect.stringMatching(/^[a-z0-9]{10}$/),
    domainName: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    identity: expect.objectContaining({ apiKey: API_KEY, sourceIp: '127.0.0.1' }),
  });
});

it('routes on the body field the RouteSelectionExpression names, else to $default', async () => {
  const { socket, messages } = await connect();
  expect(await reply(socket, messages, JSON.stringify({ action: 'echo', n: 1 }))).toMatchObject({
    routeKey: 'echo',
    eventType: 'MESSAGE',
    stage: 'test',
    body: '{"action":"echo","n":1}',
  });
  for (const body of ['{"action":"nothing-like-it"}', 'not json', '{"action":"$connect"}', '{"action":7}']) {
    expect(await reply(socket, messages, body)).toMatchObject({ routeKey: '$default', body });
  }
});

it("tells the client when a route's function fails, as API Gateway does", async () => {
  const { socket, messages } = await connect();
  expect(await reply(socket, messages, JSON.stringify({ action: 'crash' }))).toMatchObject({
    message: 'Internal server error',
    connectionId: expect.any(String),
  });
});

it('serves @connections: POST sends, GET describes, DELETE closes, and a gone connection is a 410', async () => {
  const { socket, messages } = await connect();
  const { connectionId } = (await reply(socket, messages, JSON.stringify({ action: 'echo' }))) as {
    connectionId: string;
  };
  const posted = await fetch(managementUrl(connectionId), { method: 'POST', body: '{"pushed":true}' });
  expect(posted.status).toBe(200);
  // Idle connections stay open a minute (Node's 5 s default dropped posts when the stack stalled).
  expect(posted.headers.get('keep-alive')).toBe('timeout=60');
  await eventually(async () => messages.some((m) => m.pushed === true), 5_000, 'the posted message');
  const described = await fetch(managementUrl(connectionId));
  expect(await described.json()).toMatchObject({
    ConnectedAt: expect.any(String),
    Identity: { SourceIp: '127.0.0.1' },
  });

  const closed = new Promise<number>((resolve) => (socket.onclose = (event) => resolve(event.code)));
  expect((await fetch(managementUrl(connectionId), { method: 'DELETE' })).status).toBe(204);
  await closed;
  const gone = await fetch(managementUrl(connectionId), { method: 'POST', body: '{}' });
  expect(gone.status).toBe(410);
  expect(gone.headers.get('x-amzn-errortype')).toBe('GoneException');
  expect((await fetch(managementUrl('never-was'), { method: 'POST', body: '{}' })).status).toBe(410);
});

it('runs $disconnect when the client closes, with its status code', async () => {
  const { socket, messages } = await connect();
  const { connectionId } = (await reply(socket, messages, JSON.stringify({ action: 'echo' }))) as {
    connectionId: string;
  };
  socket.close(4001, 'bye');
  const event = await eventually(async () =>
    observed.find((e) => e.requestContext.connectionId === connectionId && e.requestContext.eventType === 'DISCONNECT'),
  );
  expect(event.requestContext).toMatchObject({ routeKey: '$disconnect', disconnectStatusCode: 4001 });
});

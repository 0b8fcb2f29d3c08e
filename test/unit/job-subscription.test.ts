import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { JobsClient, SubscribeTimeoutError, type FetchFunction, type JobStatusSnapshot } from '../../src/client';

/**
 * A WebSocket API on a free port that reads every client message and answers a subscribe only
 * when `answers(connectionNumber)` says so (connections numbered from 1, in the order they open).
 */
async function fakeWebSocketApi(answers: (connectionNumber: number) => boolean) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const sockets: ServerSocket[] = [];
  const subscribes: unknown[] = [];
  server.on('connection', (socket) => {
    sockets.push(socket);
    const number = sockets.length;
    socket.on('message', (data) => {
      const request = JSON.parse(String(data)) as { action: string; jobIds: string[] };
      subscribes.push(request);
      if (!answers(number)) return;
      socket.send(JSON.stringify({ type: 'subscribed', jobIds: request.jobIds }));
      for (const id of request.jobIds) {
        const job: JobStatusSnapshot = { id, status: 'processing', version: 2, updatedAt: '2026-12-02T00:00:00.000Z' };
        socket.send(JSON.stringify({ type: 'status', job }));
      }
    });
  });
  const closed = (socket: ServerSocket) =>
    socket.readyState === socket.CLOSED ? Promise.resolve() : new Promise<void>((r) => socket.once('close', () => r()));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/prod`,
    sockets,
    subscribes,
    closed,
    stop: async () => {
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let api: Awaited<ReturnType<typeof fakeWebSocketApi>> | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

/** Fails every REST request: a test that must not reach the REST API. */
const noRest: FetchFunction = async (url) => {
  throw new Error(`unexpected request to ${url}`);
};

describe('JobsClient.subscribe when the server never confirms', () => {
  test('ready rejects with SubscribeTimeoutError; the unanswered connection is closed and the next one delivers', async () => {
    api = await fakeWebSocketApi((connection) => connection > 1);
    const client = new JobsClient({
      baseUrl: 'http://jobs.invalid/',
      apiKey: 'k',
      websocketUrl: api.url,
      fetch: noRest,
    });
    let delivered!: (status: JobStatusSnapshot) => void;
    const firstChange = new Promise<JobStatusSnapshot>((resolve) => (delivered = resolve));
    const subscription = client.subscribe(['job_1'], delivered, {
      readyTimeoutMs: 200,
      reconnect: { baseMs: 10, capMs: 10 },
    });
    try {
      const error = await subscription.ready.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SubscribeTimeoutError);
      expect((error as Error).message).toBe(`WebSocket ${api.url} did not confirm the subscription within 200 ms`);
      expect(await firstChange).toEqual(expect.objectContaining({ id: 'job_1', version: 2 }));
      await api.closed(api.sockets[0]!);
      expect(api.sockets.length).toBeGreaterThanOrEqual(2);
      expect(api.subscribes[0]).toEqual({ action: 'subscribe', jobIds: ['job_1'] });
    } finally {
      subscription.close();
    }
  });
});

describe('JobsClient.waitFor when the WebSocket never confirms', () => {
  test('falls back to long polls and resolves with the finished job', async () => {
    api = await fakeWebSocketApi(() => false);
    const requests: string[] = [];
    const job = { id: 'job_1', type: 'email', status: 'completed', version: 3, updatedAt: '2026-12-02T00:00:01.000Z' };
    const rest: FetchFunction = async (url) => {
      requests.push(new URL(url).pathname);
      const body = url.includes('/status')
        ? { id: job.id, status: job.status, version: job.version, updatedAt: job.updatedAt }
        : job;
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const client = new JobsClient({ baseUrl: 'http://jobs.invalid/', apiKey: 'k', websocketUrl: api.url, fetch: rest });
    const finished = await client.waitFor('job_1', { timeout: 60_000, subscribeTimeout: 200 });
    expect(finished).toMatchObject({ id: 'job_1', status: 'completed' });
    expect(api.subscribes).toContainEqual({ action: 'subscribe', jobIds: ['job_1'] });
    expect(requests).toEqual(['/jobs/job_1/status', '/jobs/job_1']);
  });
});

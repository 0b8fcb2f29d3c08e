/**
 * The WebSocket API end to end: subscribe through JobsClient (discovered from GET /health), change
 * jobs over the REST API, and see what arrives. Against the local stack by default.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/aws/aws-clients';
import { JobsClient, type JobStatusSnapshot, type Problem, type WebSocketFactory } from '../../src/client';
import { defaultWebSocketFactory } from '../../src/client/job-subscription';
import { createExternalJob, eventually, reportStatus } from '../support/external-jobs';
import { api } from '../support/api';
import { localStackOnly } from '../support/targets';

const client = new JobsClient();
const websocketUrl = async () => {
  const url = await client.webSocketUrl();
  if (!url) throw new Error('GET /health advertises no websocketUrl');
  return url;
};

/** A raw connection, as any WebSocket client would open it, with what it receives. */
function rawConnection(url: string, headers: Record<string, string>) {
  const socket = new WebSocket(url, { headers } as unknown as string[]);
  const messages: Record<string, unknown>[] = [];
  socket.onmessage = (event) => messages.push(JSON.parse(String(event.data)) as Record<string, unknown>);
  const opened = new Promise<boolean>((resolve) => {
    socket.onopen = () => resolve(true);
    socket.onclose = () => resolve(false);
  });
  return { socket, messages, opened };
}

function subscriptionsTableName(): string {
  const tables = JSON.parse(process.env.LOCAL_STACK_TABLES ?? '{}') as Record<string, { tableName: string }>;
  const entry = Object.entries(tables).find(([id]) => id.startsWith('RealtimeSubscriptionsTable'));
  if (!entry) throw new Error('no subscriptions table in the local stack');
  return entry[1].tableName;
}

const FLOW = ['processing', 'pending', 'processing', 'done'];

/** Runs `work` on every item, `limit` at a time: 20 requests at once would be 20 cold starts on a laptop. */
async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += limit)
    results.push(...(await Promise.all(items.slice(start, start + limit).map(work))));
  return results;
}

describe('WebSocket subscriptions', () => {
  test('GET /health advertises the WebSocket URL', async () => {
    expect(await websocketUrl()).toMatch(/^wss?:\/\/.+\/prod$/);
  });

  test('a subscriber receives every change of 20 jobs, in version order, none lost', async () => {
    const ids = await inBatches(Array.from({ length: 20 }), 4, () => createExternalJob());
    const seen = new Map<string, number[]>();
    const raw: JobStatusSnapshot[] = [];
    const recording: WebSocketFactory = (url, key) => {
      const socket = defaultWebSocketFactory(url, key);
      socket.addEventListener('message', (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as { type: string; job?: JobStatusSnapshot };
        if (message.type === 'status' && message.job) raw.push(message.job);
      });
      return socket;
    };
    const subscriber = new JobsClient({ webSocketFactory: recording });
    const subscription = subscriber.subscribe(ids, (status) => {
      seen.set(status.id, [...(seen.get(status.id) ?? []), status.version]);
    });
    try {
      await subscription.ready;
      // Each job's first state arrives right after the subscribe, before any change.
      await eventually(() => ids.every((id) => seen.get(id)?.[0] === 1), 'the 20 snapshots');
      for (const status of FLOW) await inBatches(ids, 4, (id) => reportStatus(id, status));
      await eventually(() => ids.every((id) => seen.get(id)?.length === FLOW.length + 1), 'every change');
      for (const id of ids) expect(seen.get(id)).toEqual([1, 2, 3, 4, 5]);
      // On the wire too, each job's versions only go up: the server posts one job's changes in order.
      for (const id of ids) {
        const versions = raw.filter((job) => job.id === id).map((job) => job.version);
        expect(versions).toEqual([...versions].sort((a, b) => a - b));
      }
      expect(raw.find((job) => job.id === ids[0] && job.version === 5)).toMatchObject({ status: 'done' });
    } finally {
      subscription.close();
    }
    // 100 requests and as many posts on a 2-core machine: cold starts alone take tens of seconds.
  }, 180_000);

  test('a reconnect resubscribes and gets the current state', async () => {
    const id = await createExternalJob();
    const sockets: WebSocket[] = [];
    const keeping: WebSocketFactory = (url, key) => {
      const socket = defaultWebSocketFactory(url, key);
      sockets.push(socket);
      return socket;
    };
    const versions: number[] = [];
    const subscription = new JobsClient({ webSocketFactory: keeping }).subscribe(
      [id],
      (status) => versions.push(status.version),
      { reconnect: { baseMs: 50, capMs: 200 } },
    );
    try {
      await subscription.ready;
      await eventually(() => versions.includes(1), 'the first snapshot');
      // The connection drops; the job changes while nobody listens.
      const dropped = new Promise((resolve) => sockets[0]!.addEventListener('close', resolve));
      sockets[0]!.close();
      await dropped;
      await reportStatus(id, 'processing');
      await eventually(() => versions.includes(2), 'the state after reconnecting');
      expect(sockets.length).toBeGreaterThanOrEqual(2);
      expect(versions).toEqual([1, 2]);
    } finally {
      subscription.close();
    }
  });

  localStackOnly(
    'a gone connection is removed from the subscriptions table when a change is posted to it',
    async () => {
      const id = await createExternalJob();
      const db = createDocumentClient();
      const TableName = subscriptionsTableName();
      const subscriptionsOf = async (connectionId: string) =>
        (
          await db.send(
            new QueryCommand({
              TableName,
              IndexName: 'byConnection',
              KeyConditionExpression: 'connectionId = :c',
              ExpressionAttributeValues: { ':c': connectionId },
            }),
          )
        ).Items ?? [];
      // A connection that went away without $disconnect (which AWS does not guarantee).
      const connectionId = `gone-${randomUUID()}`;
      const expiresAt = Math.floor(Date.now() / 1000) + 3600;
      for (const [targetKey, target] of [
        [`job#${id}`, { kind: 'job', jobId: id }],
        ['filter#external#*', { kind: 'filter', filter: { type: 'external' } }],
      ] as const) {
        await db.send(new PutCommand({ TableName, Item: { targetKey, connectionId, target, expiresAt } }));
      }
      // Any change of an external job (this one's, or another test's still in the stream) is posted
      // to the filter subscription, so the removal may begin before this report: only the end is checked.
      await reportStatus(id, 'processing');
      const deadline = Date.now() + 20_000;
      while ((await subscriptionsOf(connectionId)).length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await subscriptionsOf(connectionId)).toEqual([]);
    },
  );

  test('a filter subscription gets only the jobs whose new state matches', async () => {
    const [stays, finishes] = [await createExternalJob(), await createExternalJob()];
    const received: JobStatusSnapshot[] = [];
    const subscription = client.subscribe({ type: 'external', status: 'done' }, (status) => received.push(status));
    try {
      await subscription.ready;
      await reportStatus(stays, 'processing');
      await reportStatus(finishes, 'processing');
      await reportStatus(finishes, 'done');
      await eventually(() => received.some((job) => job.id === finishes), 'the finished job');
      // The other job's change was posted before the matching one; give stragglers a moment anyway.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(received.every((job) => job.status === 'done')).toBe(true);
      expect(received.map((job) => job.id)).not.toContain(stays);
      expect(received.find((job) => job.id === finishes)).toMatchObject({ status: 'done', version: 3 });
    } finally {
      subscription.close();
    }
  });

  test('a wrong or missing credential is refused at connect', async () => {
    const url = await websocketUrl();
    for (const headers of [{}, { 'x-api-key': 'not-the-key' }] as Record<string, string>[]) {
      const { opened } = rawConnection(url, headers);
      expect(await opened).toBe(false);
    }
    const stranger = new JobsClient({ apiKey: 'not-the-key' }).subscribe([randomUUID()], () => undefined);
    try {
      await expect(stranger.ready).rejects.toThrow(/closed before/);
    } finally {
      stranger.close();
    }
  });

  test('a token without the jobs:read scope is refused at connect; one with it, revoked, is refused too', async () => {
    const url = await websocketUrl();
    const create = async (scopes: string[]) => {
      const { status, body } = await api<{ id: string; token: string }>('/tokens', {
        method: 'POST',
        json: { name: 'realtime e2e', scopes },
      });
      expect(status).toBe(201);
      return body;
    };
    const submitter = await create(['jobs:submit']);
    expect(await rawConnection(`${url}?token=${encodeURIComponent(submitter.token)}`, {}).opened).toBe(false);
    const reader = await create(['jobs:read']);
    const admitted = rawConnection(url, { authorization: `Bearer ${reader.token}` });
    expect(await admitted.opened).toBe(true);
    admitted.socket.close();
    expect((await api(`/tokens/${reader.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await rawConnection(url, { authorization: `Bearer ${reader.token}` }).opened).toBe(false);
  });

  test('a bad message gets an error naming the field, and the connection stays usable', async () => {
    const { socket, messages, opened } = rawConnection(await websocketUrl(), {
      'x-api-key': process.env.JOBS_API_KEY ?? '',
    });
    expect(await opened).toBe(true);
    try {
      const answer = async (body: string) => {
        const before = messages.length;
        socket.send(body);
        // Status posts of jobs already subscribed to may arrive at any moment (the stream notifier
        // posts the job's creation too), so the answer is the next message that is not one.
        return eventually(
          () => messages.slice(before).find((m) => m.type !== 'status'),
          `an answer to ${body}`,
        ) as Promise<{
          type: string;
          problem?: Problem;
        }>;
      };
      for (const [body, field] of [
        ['{"action":"subscribe","jobIds":[7]}', 'jobIds[0]'],
        ['{"action":"subscribe","filter":{"status":"asleep"}}', 'filter.status'],
        ['{"action":"dance"}', 'action'],
        ['not json', '(body)'],
      ] as const) {
        const reply = await answer(body);
        expect(reply).toMatchObject({ type: 'error', problem: { status: 400 } });
        expect(reply.problem?.errors?.map((e) => e.field)).toContain(field);
      }
      const id = await createExternalJob();
      expect(await answer(JSON.stringify({ action: 'subscribe', jobIds: [id] }))).toMatchObject({ type: 'subscribed' });
      expect(
        await eventually(() => messages.find((m) => m.type === 'status'), 'the snapshot after subscribed'),
      ).toMatchObject({ job: { id, status: 'pending', version: 1 } });
      const missing = await answer(JSON.stringify({ action: 'subscribe', jobIds: ['job_never-was'] }));
      expect(missing).toMatchObject({ type: 'subscribed' });
      expect(
        await eventually(
          () => messages.find((m) => m.type === 'error' && (m.problem as Problem).status === 404),
          '404',
        ),
      ).toMatchObject({ problem: { errors: [{ field: 'jobIds[0]' }] } });
    } finally {
      socket.close();
    }
  });

  test('waitFor waits over the WebSocket, with no long poll, and long-polls when told there is none', async () => {
    const longPolls: string[] = [];
    const counting = (input: string, init: RequestInit) => {
      if (input.includes('mode=long')) longPolls.push(input);
      return fetch(input, init);
    };
    const id = await createExternalJob();
    const waiting = new JobsClient({ fetch: counting }).waitFor(id, {
      timeout: 20_000,
      onChange: (status) => {
        if (status.status === 'pending') void reportStatus(id, 'done');
      },
    });
    expect(await waiting).toMatchObject({ id, status: 'done' });
    expect(longPolls).toEqual([]);

    const other = await createExternalJob();
    // Finished once the wait has seen it pending, so the wait must learn of the change by a long poll.
    const polling = new JobsClient({ fetch: counting, websocketUrl: null }).waitFor(other, {
      timeout: 20_000,
      onChange: (status) => {
        if (status.status === 'pending') setTimeout(() => void reportStatus(other, 'done'), 300);
      },
    });
    expect(await polling).toMatchObject({ id: other, status: 'done' });
    expect(longPolls.length).toBeGreaterThan(0);
  });
});

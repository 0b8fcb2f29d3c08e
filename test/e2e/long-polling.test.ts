import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/aws/aws-clients';
import { localStackOnly } from '../support/targets';
import { api, apiUrl } from '../support/api';

interface StatusBody {
  id: string;
  status: string;
  version: number;
  updatedAt: string;
  changed?: boolean;
  final?: boolean;
  message?: string;
}

function waitersTableName(): string {
  const tables = JSON.parse(process.env.LOCAL_STACK_TABLES ?? '{}') as Record<string, { tableName: string }>;
  const entry = Object.entries(tables).find(([id]) => id.startsWith('LongPollWaitersTable'));
  if (!entry) throw new Error('no waiters table in the local stack');
  return entry[1].tableName;
}

async function registeredWaiters(jobId: string): Promise<number> {
  const { Items = [] } = await createDocumentClient().send(
    new QueryCommand({
      TableName: waitersTableName(),
      KeyConditionExpression: 'jobId = :id',
      ExpressionAttributeValues: { ':id': jobId },
    }),
  );
  return Items.length;
}

async function createExternalJob(id = `job_${randomUUID()}`): Promise<StatusBody> {
  const created = await api<StatusBody>('/jobs', { method: 'POST', json: { id } });
  expect(created.status).toBe(201);
  return created.body;
}

/** Polls `condition` for up to 10 s: for states that settle asynchronously, not for timing. */
async function eventually(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

const longPoll = (id: string, query: string) => api<StatusBody>(`/jobs/${id}/status?mode=long&${query}`);

/**
 * A fresh token of its own (the default one is shared with every other suite's polls), already
 * known to the authorizer's cache, so a burst of polls with it waits on no authorizer cold starts.
 */
async function readToken(): Promise<string> {
  const { status, body } = await api<{ token: string }>('/tokens', {
    method: 'POST',
    json: { name: 'long-poll cap', scopes: ['jobs:read'] },
  });
  expect(status).toBe(201);
  const warm = await fetch(apiUrl(`/jobs/${randomUUID()}/status`), {
    headers: { authorization: `Bearer ${body.token}` },
  });
  expect(warm.status).toBe(404);
  return body.token;
}

const longPollWith = (token: string, id: string, query: string) =>
  fetch(apiUrl(`/jobs/${id}/status?mode=long&${query}`), { headers: { authorization: `Bearer ${token}` } });

describe('long polling', () => {
  test('create job_123 → long poll 15 s → PUT done after 1 s → the change answers the poll, not its timeout', async () => {
    const job = await createExternalJob();
    const poll = longPoll(job.id, 'timeout=15000').then((response) => ({ response, at: Date.now() }));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const put = await api(`/jobs/${job.id}`, { method: 'PUT', json: { status: 'done' } });
    const acknowledgedAt = Date.now();
    expect(put.status).toBe(200);
    const { response, at } = await poll;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: job.id,
      status: 'done',
      version: 2,
      changed: true,
      message: 'Status changed',
    });
    expect(response.headers.get('etag')).toBe('"2"');
    expect(response.headers.get('cache-control')).toBe('no-store');
    // `changed` with no `since` means a notice woke it; how fast is the benchmark's business
    // (npm run bench), but it must come well before the 14 s the timeout had left.
    expect(at - acknowledgedAt).toBeLessThan(10_000);
  });

  localStackOnly(
    '20 waiters on one job all wake on one change, and none is left registered',
    async () => {
      const job = await createExternalJob();
      // Two clients of 10 each: one token may hold at most 10 open long polls.
      const tokens = [await readToken(), await readToken()];
      // 20 polls need 20 execution environments: their cold starts (two at a time on this machine)
      // can outlast a poll's 25 s, so 20 short concurrent polls start them first.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => longPollWith(tokens[i % 2]!, job.id, 'timeout=1000&since=1')),
      );
      const polls = Array.from({ length: 20 }, (_, i) =>
        longPollWith(tokens[i % 2]!, job.id, 'timeout=25000&since=1').then(async (response) => ({
          status: response.status,
          body: (await response.json()) as StatusBody,
        })),
      );
      // Every waiter must be registered before the change, or some would answer from their read.
      const deadline = Date.now() + 20_000;
      while ((await registeredWaiters(job.id)) < 20 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(await registeredWaiters(job.id)).toBe(20);
      await api(`/jobs/${job.id}`, { method: 'PUT', json: { status: 'processing' } });
      const responses = await Promise.all(polls);
      for (const response of responses) {
        expect(response.body).toMatchObject({ status: 'processing', version: 2, changed: true });
      }
      expect(await registeredWaiters(job.id)).toBe(0);
    },
    // Cold starts of 20 environments are slow on a loaded 2-core machine: room beyond the default 60 s.
    120_000,
  );

  localStackOnly(
    "a token's 11th open long poll gets a 429 problem with Retry-After; another token's poll is let in",
    async () => {
      const job = await createExternalJob();
      const [capped, other] = [await readToken(), await readToken()];
      const holding = Array.from({ length: 10 }, () => longPollWith(capped, job.id, 'timeout=25000&since=1'));
      // Room for ten cold starts on a busy machine before all ten hold their slot.
      const deadline = Date.now() + 30_000;
      while ((await registeredWaiters(job.id)) < 10 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(await registeredWaiters(job.id)).toBe(10);

      const refused = await longPollWith(capped, job.id, 'timeout=25000&since=1');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(await refused.json()).toMatchObject({
        type: 'urn:serverless-jobs:problem:too-many-long-polls',
        status: 429,
        cap: 10,
      });
      // A server-sent event stream holds an execution environment too: it counts against the same cap.
      const refusedStream = await fetch(apiUrl(`/jobs/${job.id}/events`), {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${capped}` },
      });
      expect(refusedStream.status).toBe(429);
      expect(await refusedStream.json()).toMatchObject({ type: 'urn:serverless-jobs:problem:too-many-long-polls' });

      const admitted = longPollWith(other, job.id, 'timeout=25000&since=1');
      await eventually(async () => (await registeredWaiters(job.id)) === 11);
      expect(await registeredWaiters(job.id)).toBe(11);
      await api(`/jobs/${job.id}`, { method: 'PUT', json: { status: 'processing' } });
      const answers = await Promise.all([...holding, admitted]);
      expect(answers.map((response) => response.status)).toEqual(Array.from({ length: 11 }, () => 200));
      // Every answered poll gave its slot back: the capped token may poll again.
      expect((await longPollWith(capped, job.id, 'timeout=25000&since=1')).status).toBe(200);
    },
    120_000,
  );

  test('a status updated before the poll, with a stale since, answers at once', async () => {
    const job = await createExternalJob();
    await api(`/jobs/${job.id}`, { method: 'PUT', json: { status: 'processing' } });
    const startedAt = Date.now();
    const response = await longPoll(job.id, 'timeout=20000&since=1');
    expect(response.body).toMatchObject({ status: 'processing', version: 2, changed: true });
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  test('If-None-Match works as since', async () => {
    const job = await createExternalJob();
    await api(`/jobs/${job.id}`, { method: 'PUT', json: { status: 'processing' } });
    const response = await api<StatusBody>(`/jobs/${job.id}/status?mode=long&timeout=20000`, {
      headers: { 'If-None-Match': '"1"' },
    });
    expect(response.body).toMatchObject({ version: 2, changed: true });
  });

  localStackOnly('a client that goes away ends its wait and deregisters', async () => {
    const job = await createExternalJob();
    const controller = new AbortController();
    const poll = fetch(apiUrl(`/jobs/${job.id}/status?mode=long&timeout=20000&since=1`), {
      headers: { authorization: `Bearer ${process.env.JOBS_API_KEY ?? ''}` },
      signal: controller.signal,
    }).catch(() => undefined);
    await eventually(async () => (await registeredWaiters(job.id)) === 1);
    controller.abort();
    await poll;
    await eventually(async () => (await registeredWaiters(job.id)) === 0);
    expect(await registeredWaiters(job.id)).toBe(0);
  });

  localStackOnly(
    'with no change, the poll answers "No change" after the timeout, raised to the 1 s minimum',
    async () => {
      const job = await createExternalJob();
      const startedAt = Date.now();
      const response = await longPoll(job.id, 'timeout=10');
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
      expect(response.body).toMatchObject({ status: 'pending', version: 1, changed: false, message: 'No change' });
      expect(await registeredWaiters(job.id)).toBe(0);
    },
  );

  test.each(['external', 'cleanup'])(
    'a long poll on a %s job already in a final status answers before its wait: changed false, final true',
    async (kind) => {
      let id: string;
      let finalStatus: string;
      if (kind === 'external') {
        ({ id } = await createExternalJob());
        expect((await api(`/jobs/${id}`, { method: 'PUT', json: { status: 'done' } })).status).toBe(200);
        finalStatus = 'done';
      } else {
        ({ id } = (await api<StatusBody>('/jobs/cleanup', { method: 'POST', json: { task: 'delete_temp' } })).body);
        await eventually(async () => (await api<StatusBody>(`/jobs/${id}/status`)).body.status === 'completed');
        finalStatus = 'completed';
      }
      const { version } = (await api<StatusBody>(`/jobs/${id}/status`)).body;
      const waitMs = 20_000;
      let waitElapsed = false;
      const timer = setTimeout(() => (waitElapsed = true), waitMs);
      const response = await longPoll(id, `timeout=${waitMs}&since=${version}`);
      clearTimeout(timer);
      expect(waitElapsed).toBe(false);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id, status: finalStatus, version, changed: false, final: true });
      expect(await registeredWaiters(id)).toBe(0);
    },
  );

  test('an unknown job is a 404 at once', async () => {
    const startedAt = Date.now();
    const response = await longPoll(`job_${randomUUID()}`, 'timeout=20000');
    expect(response.status).toBe(404);
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  test.each([
    ['mode=sideways', 'mode'],
    ['mode=long&timeout=soon', 'timeout'],
    ['mode=long&since=latest', 'since'],
  ])('?%s is a 400 naming %s', async (query, field) => {
    const job = await createExternalJob();
    const response = await api<{ errors: { field: string }[] }>(`/jobs/${job.id}/status?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e) => e.field)).toEqual([field]);
  });

  test('short polling answers now, with changed when since is given', async () => {
    const job = await createExternalJob();
    const response = await api<StatusBody>(`/jobs/${job.id}/status?since=1`);
    expect(response.body).toMatchObject({ status: 'pending', version: 1, changed: false, message: 'No change' });
  });
});

describe('externally driven jobs', () => {
  test('creating an id that exists is a 409', async () => {
    const job = await createExternalJob();
    expect((await api('/jobs', { method: 'POST', json: { id: job.id } })).status).toBe(409);
  });

  test('without an id, one is generated', async () => {
    const created = await api<StatusBody>('/jobs', { method: 'POST' });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('If-Match with a stale version is a 412 and changes nothing', async () => {
    const job = await createExternalJob();
    await api(`/jobs/${job.id}`, { method: 'PUT', json: { status: 'processing' } });
    const stale = await api(`/jobs/${job.id}`, {
      method: 'PUT',
      json: { status: 'done' },
      headers: { 'If-Match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect((await api<StatusBody>(`/jobs/${job.id}/status`)).body.status).toBe('processing');
    const fresh = await api(`/jobs/${job.id}`, {
      method: 'PUT',
      json: { status: 'done' },
      headers: { 'If-Match': '"2"' },
    });
    expect(fresh.status).toBe(200);
  });

  test('leaving a terminal status is a 409; an unknown status is a 400', async () => {
    const job = await createExternalJob();
    await api(`/jobs/${job.id}`, { method: 'PUT', json: { status: 'failed' } });
    expect((await api(`/jobs/${job.id}`, { method: 'PUT', json: { status: 'pending' } })).status).toBe(409);
    const unknown = await api<{ errors: { field: string }[] }>(`/jobs/${job.id}`, {
      method: 'PUT',
      json: { status: 'paused' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]?.field).toBe('status');
  });

  test("a worker-driven job's status cannot be set through PUT", async () => {
    const { body } = await api<StatusBody>('/jobs/cleanup', {
      method: 'POST',
      json: { task: 'delete_temp', delay: 60_000 },
    });
    expect((await api(`/jobs/${body.id}`, { method: 'PUT', json: { status: 'done' } })).status).toBe(409);
  });
});

import { randomUUID } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/aws/aws-clients';
import {
  JobsApiError,
  JobsClient,
  JobsConnectionError,
  JobVanishedError,
  WaitTimeoutError,
  type FetchFunction,
  type JobStatusSnapshot,
} from '../../src/client';
import { api } from '../support/api';
import { localStackTableName } from '../support/aws-resources';

/** The client as an application would make it: JOBS_API_URL and JOBS_API_KEY come from the environment (global setup). */
const client = new JobsClient();

const email = { to: 'success@simulator.amazonses.com', subject: 'Hi', body: 'Hello from the client' };

/** A job nobody works on: `pending` until the test moves it with `PUT /jobs/{id}`. */
async function externalJob(): Promise<string> {
  const created = await api<{ id: string }>('/jobs', { method: 'POST', json: { id: `job_${randomUUID()}` } });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function setExternalStatus(id: string, status: string): Promise<void> {
  expect((await api(`/jobs/${id}`, { method: 'PUT', json: { status } })).status).toBe(200);
}

async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fetch that answers the first request matching `when` with `fault`, then passes everything through. */
function faultyFetch(
  when: (url: string, init: RequestInit) => boolean,
  fault: (url: string, init: RequestInit) => Promise<Response>,
) {
  const calls: { url: string; method: string; at: number; faulted: boolean }[] = [];
  let injected = false;
  const fetch: FetchFunction = async (url, init) => {
    const faulted = !injected && when(url, init);
    calls.push({ url, method: init.method ?? 'GET', at: Date.now(), faulted });
    if (faulted) {
      injected = true;
      return fault(url, init);
    }
    return globalThis.fetch(url, init);
  };
  return { fetch, calls };
}

const unavailable = async () =>
  new Response(
    JSON.stringify({
      type: 'urn:serverless-jobs:problem:unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'DynamoDB is busy; nothing was changed. Retry after 1 s.',
    }),
    { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '1' } },
  );

describe('JobsClient.waitFor', () => {
  test('submit then waitFor resolves with the completed job, reporting each version it saw once, in order', async () => {
    const submitted = await client.submit('email', email);
    expect(submitted).toMatchObject({ type: 'email', status: 'queued', version: 1 });
    const changes: JobStatusSnapshot[] = [];
    const job = await client.waitFor(submitted.id, { timeout: 30_000, onChange: (change) => changes.push(change) });
    expect(job).toMatchObject({ id: submitted.id, status: 'completed', attempts: 1 });
    expect(job.result).toBeDefined();
    const versions = changes.map((change) => change.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    expect(changes.at(-1)).toMatchObject({ id: submitted.id, status: 'completed', version: job.version });
  });

  test('onChange is called once per version: pending v1, processing v2, done v3', async () => {
    const id = await externalJob();
    const changes: JobStatusSnapshot[] = [];
    const waiting = client.waitFor(id, { timeout: 30_000, onChange: (change) => changes.push(change) });
    await eventually(() => changes.length === 1);
    await setExternalStatus(id, 'processing');
    await eventually(() => changes.length === 2);
    await setExternalStatus(id, 'done');
    const job = await waiting;
    expect(job).toMatchObject({ id, status: 'done', version: 3 });
    expect(changes.map(({ status, version }) => ({ status, version }))).toEqual([
      { status: 'pending', version: 1 },
      { status: 'processing', version: 2 },
      { status: 'done', version: 3 },
    ]);
  });

  test('an unknown id rejects at once with JobVanishedError instead of waiting forever', async () => {
    const startedAt = Date.now();
    const id = `job_${randomUUID()}`;
    const error = await client.waitFor(id, { timeout: 30_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobVanishedError);
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({ jobId: id, status: 404 });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  test('a job that disappears while being waited for rejects with JobVanishedError', async () => {
    const id = await externalJob();
    const changes: JobStatusSnapshot[] = [];
    const waiting = client
      .waitFor(id, { timeout: 30_000, onChange: (change) => changes.push(change) })
      .catch((e: unknown) => e);
    await eventually(() => changes.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the long poll register
    const startedAt = Date.now();
    await createDocumentClient().send(new DeleteCommand({ TableName: localStackTableName(), Key: { id } }));
    const error = await waiting;
    expect(error).toBeInstanceOf(JobVanishedError);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  test('a job that does not finish in time rejects with WaitTimeoutError carrying the last status seen', async () => {
    const id = await externalJob();
    const startedAt = Date.now();
    const error = await client.waitFor(id, { timeout: 1_500 }).catch((e: unknown) => e);
    const elapsed = Date.now() - startedAt;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ jobId: id, timeoutMs: 1_500, lastStatus: { id, status: 'pending', version: 1 } });
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(4_000);
  });

  test('an AbortSignal stops the wait with its reason', async () => {
    const id = await externalJob();
    const controller = new AbortController();
    const reason = new Error('no longer interested');
    setTimeout(() => controller.abort(reason), 300);
    const startedAt = Date.now();
    await expect(client.waitFor(id, { timeout: 30_000, signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  test('a job already finished resolves at once', async () => {
    const id = await externalJob();
    await setExternalStatus(id, 'failed');
    const changes: JobStatusSnapshot[] = [];
    const job = await client.waitFor(id, { timeout: 5_000, onChange: (change) => changes.push(change) });
    expect(job.status).toBe('failed');
    expect(changes).toEqual([expect.objectContaining({ status: 'failed', version: 2 })]);
  });
});

describe('retries', () => {
  test('a 503 with Retry-After on a long poll is waited out and retried; the wait still ends on completion', async () => {
    const { fetch, calls } = faultyFetch((url) => url.includes('mode=long'), unavailable);
    // Long polls only: with the WebSocket API known, waitFor would not poll at all.
    const faulty = new JobsClient({ fetch, websocketUrl: null });
    const id = await externalJob();
    const waiting = faulty.waitFor(id, { timeout: 30_000 });
    await eventually(() => calls.some((call) => call.faulted));
    await setExternalStatus(id, 'done');
    expect((await waiting).status).toBe('done');
    const faultedAt = calls.findIndex((call) => call.faulted);
    const retry = calls[faultedAt + 1];
    expect(retry?.url).toContain('mode=long');
    // Retry-After: 1 is honoured (full jitter alone could retry at once).
    expect((retry?.at ?? 0) - (calls[faultedAt]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  test('a submission answered 503 is retried and creates one job', async () => {
    const { fetch, calls } = faultyFetch((_url, init) => init.method === 'POST', unavailable);
    const job = await new JobsClient({ fetch }).submit('sms', { phone: '+14155550123', message: 'retry me' });
    expect(job).toMatchObject({ type: 'sms', status: 'queued' });
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(2);
  });

  test('a submission whose answer is lost is retried with the same idempotency key: one job, not two', async () => {
    let firstId: string | undefined;
    const { fetch, calls } = faultyFetch(
      (_url, init) => init.method === 'POST',
      async (url, init) => {
        // The request reaches the API and creates the job; the connection drops before the answer arrives.
        firstId = ((await (await globalThis.fetch(url, init)).json()) as { id: string }).id;
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        });
      },
    );
    const job = await new JobsClient({ fetch }).submit('cleanup', { task: 'delete_temp' }, { delay: 60_000 });
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(2);
    expect(firstId).toBeDefined();
    expect(job.id).toBe(firstId);
    await client.cancel(job.id);
  });

  test('a network error on a read is retried', async () => {
    const { fetch, calls } = faultyFetch(
      () => true,
      async () => {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      },
    );
    const id = await externalJob();
    expect(await new JobsClient({ fetch }).status(id)).toMatchObject({ id, status: 'pending', version: 1 });
    expect(calls).toHaveLength(2);
  });

  test('when retries run out, the last error surfaces: the 503 problem, or a JobsConnectionError', async () => {
    const { fetch } = faultyFetch(() => true, unavailable);
    const error = await new JobsClient({ fetch, retry: { retries: 0 } }).status('anything').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({ status: 503, retryAfterMs: 1_000, problem: { title: 'Service Unavailable' } });

    const unreachable = new JobsClient({ baseUrl: 'http://127.0.0.1:9/', retry: { retries: 2, baseMs: 10 } });
    await expect(unreachable.status('anything')).rejects.toBeInstanceOf(JobsConnectionError);
  });
});

describe('problems become JobsApiError', () => {
  test('an invalid submission is a JobsApiError with the status, the problem and every bad field', async () => {
    const error = await client.submit('email', { to: 'not-an-email', subject: '', body: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobsApiError);
    const apiError = error as JobsApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.problem).toMatchObject({
      type: 'urn:serverless-jobs:problem:validation',
      title: expect.any(String),
      status: 400,
      detail: expect.any(String),
    });
    expect(apiError.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['to', 'subject']));
    expect(apiError.message).toMatch(/^400 /);
  });

  test('an unknown job is a 404 JobsApiError on get and status', async () => {
    const id = randomUUID();
    await expect(client.get(id)).rejects.toMatchObject({ name: 'JobsApiError', status: 404 });
    await expect(client.status(id)).rejects.toMatchObject({ status: 404, problem: { title: 'Job not found' } });
  });

  test('delay and runAt together are refused before any request', async () => {
    const { fetch, calls } = faultyFetch(() => false, unavailable);
    const submission = new JobsClient({ fetch }).submit(
      'cleanup',
      { task: 'delete_temp' },
      { delay: 1, runAt: new Date() },
    );
    await expect(submission).rejects.toThrow(TypeError);
    expect(calls).toHaveLength(0);
  });
});

describe('cancel, redrive, list, queues', () => {
  test('a delayed job is cancelled; cancelling it again is a 409 JobsApiError', async () => {
    const job = await client.submit('cleanup', { task: 'delete_temp' }, { runAt: new Date(Date.now() + 60_000) });
    expect(job.status).toBe('delayed');
    expect(await client.cancel(job.id)).toMatchObject({ id: job.id, status: 'cancelled' });
    await expect(client.cancel(job.id)).rejects.toMatchObject({ status: 409 });
    expect((await client.waitFor(job.id, { timeout: 5_000 })).status).toBe('cancelled');
  });

  test('redrive answers what it moved; an unknown type is a 404 naming the type', async () => {
    const result = await client.redrive('sms');
    expect(result).toEqual({
      type: 'sms',
      moved: expect.any(Number),
      discarded: expect.any(Number),
      skipped: expect.any(Number),
    });
    const error = (await client.redrive('fax' as 'sms').catch((e: unknown) => e)) as JobsApiError;
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error.status).toBe(404);
    expect(error.errors[0]?.field).toBe('type');
  });

  test('list pages through jobs newest first with an opaque cursor, and filters by type and status', async () => {
    const submitted = [];
    for (let i = 0; i < 3; i++)
      submitted.push(await client.submit('cleanup', { task: 'expire_sessions' }, { delay: 60_000 }));
    const newestFirst = submitted.map((job) => job.id).reverse();

    const first = await client.list({ type: 'cleanup', limit: 2 });
    expect(first.jobs.map((job) => job.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.list({ type: 'cleanup', limit: 2, cursor: first.nextCursor });
    expect(second.jobs[0]?.id).toBe(newestFirst[2]);
    for (const job of [...first.jobs, ...second.jobs]) expect(job.type).toBe('cleanup');

    const delayed = await client.list({ status: 'delayed', limit: 100 });
    for (const job of delayed.jobs) expect(job.status).toBe('delayed');
    expect(delayed.jobs.map((job) => job.id)).toEqual(expect.arrayContaining(newestFirst));

    for (const job of submitted) await client.cancel(job.id);
  });

  test('queues counts visible, in-flight and delayed messages and dead letters for every type', async () => {
    const { queues } = await client.queues();
    expect(queues.map((queue) => queue.type).sort()).toEqual(['cleanup', 'email', 'sms']);
    for (const queue of queues) {
      expect(queue).toEqual({
        type: queue.type,
        visible: expect.any(Number),
        inFlight: expect.any(Number),
        delayed: expect.any(Number),
        deadLetters: expect.any(Number),
        paused: expect.any(Boolean),
        consumerState: expect.stringMatching(/^(Enabled|Disabled|Enabling|Disabling)$/),
      });
    }
  });
});

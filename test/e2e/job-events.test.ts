/**
 * GET /jobs/{id}/events (Server-Sent Events) end to end, over the REST API's streaming
 * integration: through JobsClient.events and as raw text/event-stream, on external jobs whose
 * status the test reports.
 */
import { randomUUID } from 'node:crypto';
import { JobsApiError, JobsClient, ServerSentEventParser, type JobStatusSnapshot } from '../../src/client';
import { createExternalJob, eventually, reportStatus } from '../support/external-jobs';
import { api, apiUrl } from '../support/api';

const client = new JobsClient();

const authorization = () => ({ authorization: `Bearer ${process.env.JOBS_API_KEY ?? ''}` });

/** A raw stream: the response (its head arrived: the server is following the job) and the events as they come. */
async function openStream(id: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(apiUrl(`/jobs/${id}/events`), {
    headers: { accept: 'text/event-stream', ...authorization(), ...headers },
    signal: controller.signal,
  });
  const parser = new ServerSentEventParser();
  const events: { event: string; id: string; data: JobStatusSnapshot }[] = [];
  let ended = false;
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body ?? []) {
        for (const event of parser.push(decoder.decode(chunk, { stream: true })))
          events.push({ event: event.event, id: event.lastEventId, data: JSON.parse(event.data) as JobStatusSnapshot });
      }
      ended = true;
    } catch {
      // aborted by the test
    }
  })();
  return {
    response,
    events,
    parser,
    ended: () => ended,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

describe('GET /jobs/{id}/events', () => {
  test('JobsClient.events yields the current snapshot, then every change in version order, and ends when final', async () => {
    const id = await createExternalJob();
    const seen: JobStatusSnapshot[] = [];
    const done = (async () => {
      for await (const snapshot of client.events(id)) seen.push(snapshot);
    })();
    await eventually(() => seen.length > 0, 'the current snapshot');
    for (const status of ['processing', 'pending', 'processing', 'done']) await reportStatus(id, status);
    await done; // the iterator ended by itself: the stream closed after the final status
    const first = seen[0]!;
    expect(seen.map((s) => s.version)).toEqual([0, 1, 2, 3, 4].map((n) => first.version + n));
    expect(seen.map((s) => s.status)).toEqual([first.status, 'processing', 'pending', 'processing', 'done']);
    // Each event carries the GET /jobs/{id}/status snapshot, nothing more.
    expect((await api(`/jobs/${id}/status`)).body).toEqual(seen.at(-1));
  });

  test('speaks text/event-stream: retry, event: status, id: <version>; Last-Event-ID resumes after it, with no gap', async () => {
    const id = await createExternalJob();
    const first = await openStream(id);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('content-type')).toBe('text/event-stream');
    const current = await eventually(() => first.events[0], 'the current snapshot');
    expect(current.event).toBe('status');
    expect(current.id).toBe(String(current.data.version));
    expect(first.parser.retryMs).toBeGreaterThan(0);
    await first.close(); // the client leaves

    // Resuming from the version it has: nothing is repeated; the next change is the first event.
    const resumed = await openStream(id, { 'last-event-id': current.id });
    expect(resumed.response.status).toBe(200);
    await reportStatus(id, 'processing');
    const next = await eventually(() => resumed.events[0], 'the next change');
    expect(Number(next.id)).toBe(current.data.version + 1);
    expect(next.data.status).toBe('processing');
    await resumed.close();

    // Resuming from an older version (changes made while away): the latest snapshot at once.
    await reportStatus(id, 'pending');
    const behind = await openStream(id, { 'last-event-id': current.id });
    const latest = await eventually(() => behind.events[0], 'the latest snapshot');
    expect(Number(latest.id)).toBe(current.data.version + 2);
    expect(latest.data.status).toBe('pending');
    await reportStatus(id, 'done');
    await eventually(() => behind.ended() && behind, 'the stream to end after the final status');
    expect(behind.events.map((e) => e.data.status)).toEqual(['pending', 'done']);

    // Final, and already delivered: 204, which tells EventSource to stop reconnecting.
    const after = await fetch(apiUrl(`/jobs/${id}/events?lastEventId=${behind.events.at(-1)!.id}`), {
      headers: authorization(),
    });
    expect(after.status).toBe(204);
  });

  test('an unknown id is a 404 problem, a malformed Last-Event-ID a 400 naming it, before any stream starts', async () => {
    const unknown = await fetch(apiUrl(`/jobs/job_${randomUUID()}/events`), { headers: authorization() });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(((await unknown.json()) as { type: string }).type).toBe('urn:serverless-jobs:problem:job-not-found');
    await expect(client.events(`job_${randomUUID()}`).next()).rejects.toThrow(JobsApiError);

    const id = await createExternalJob();
    const malformed = await fetch(apiUrl(`/jobs/${id}/events`), {
      headers: { ...authorization(), 'last-event-id': 'yesterday' },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('Last-Event-ID');
  });

  test('a token without jobs:read is refused with 403', async () => {
    const { body } = await api<{ token: string }>('/tokens', {
      method: 'POST',
      json: { name: 'no read', scopes: ['jobs:submit'] },
    });
    const id = await createExternalJob();
    const response = await fetch(apiUrl(`/jobs/${id}/events`), { headers: { authorization: `Bearer ${body.token}` } });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });
});

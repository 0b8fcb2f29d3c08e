import { randomUUID } from 'node:crypto';
import { api, waitForStatus } from '../support/api';

interface Summary {
  id: string;
  type: string;
  status: string;
  createdAt: string;
  payload?: Record<string, unknown>;
  error?: { kind: string; message?: string };
  history?: unknown;
}
interface Page {
  jobs: Summary[];
  nextCursor?: string;
}

async function allPages(query: string, limit: number): Promise<Summary[]> {
  const seen: Summary[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    const { status, body } = await api<Page>(`/jobs?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(status).toBe(200);
    expect(body.jobs.length).toBeLessThanOrEqual(limit);
    seen.push(...body.jobs);
    if (!body.nextCursor) return seen;
    cursor = body.nextCursor;
  }
  throw new Error('too many pages');
}

const isNewestFirst = (jobs: Summary[]) =>
  jobs.every((job, i) => i === 0 || (jobs[i - 1]?.createdAt ?? '') >= job.createdAt);

describe('listing jobs', () => {
  const marker = randomUUID();
  const ids: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 5; i++) {
      const { body } = await api<Summary>('/jobs/sms', {
        method: 'POST',
        json: { phone: '+14155550123', message: `${marker} ${i}` },
      });
      ids.push(body.id);
    }
    const { body } = await api<Summary>('/jobs/cleanup', {
      method: 'POST',
      json: { task: 'delete_temp', delay: 600_000 },
    });
    ids.push(body.id);
  });

  test('by type, newest first, paged with an opaque cursor that neither repeats nor skips', async () => {
    const jobs = await allPages('type=sms', 2);
    const listedIds = jobs.map((j) => j.id);
    expect(new Set(listedIds).size).toBe(listedIds.length);
    for (const id of ids.slice(0, 5)) expect(listedIds).toContain(id);
    expect(jobs.every((j) => j.type === 'sms')).toBe(true);
    expect(isNewestFirst(jobs)).toBe(true);
    expect(jobs.find((j) => j.id === ids[0])).not.toHaveProperty('payload');
    expect(jobs[0]).not.toHaveProperty('history');
  });

  test('without a filter, every type is merged newest first across pages', async () => {
    const jobs = await allPages('', 7);
    const listedIds = jobs.map((j) => j.id);
    expect(new Set(listedIds).size).toBe(listedIds.length);
    for (const id of ids) expect(listedIds).toContain(id);
    expect(isNewestFirst(jobs)).toBe(true);
    expect(new Set(jobs.map((j) => j.type)).size).toBeGreaterThanOrEqual(2);
  });

  test('by status, and by status and type together', async () => {
    const delayed = await allPages('status=delayed', 50);
    expect(delayed.every((j) => j.status === 'delayed')).toBe(true);
    expect(delayed.map((j) => j.id)).toContain(ids[5]);
    const delayedSms = await allPages('status=delayed&type=sms', 50);
    expect(delayedSms.every((j) => j.type === 'sms' && j.status === 'delayed')).toBe(true);
  });

  test('status and type together read one index partition: a rare pair among many answers in one page', async () => {
    const { body: external } = await api<Summary>('/jobs', { method: 'POST', json: {} });
    expect((await api(`/jobs/${external.id}`, { method: 'PUT', json: { status: 'done' } })).status).toBe(200);
    const done = await api<Page>('/jobs?status=done&type=external&limit=100');
    expect(done.status).toBe(200);
    expect(done.body.jobs.map((j) => j.id)).toContain(external.id);
    expect(done.body.jobs.every((j) => j.type === 'external' && j.status === 'done')).toBe(true);
    // No external job ever completes (they end as done): nothing to list, and no cursor to page on.
    const none = await api<Page>('/jobs?status=completed&type=external&limit=10');
    expect(none).toMatchObject({ status: 200, body: { jobs: [] } });
    expect(none.body.nextCursor).toBeUndefined();
  });

  test('a listing names no recipient and carries no payload, result or error message; the job page masks them', async () => {
    const address = `ravi-${marker}@example.com`;
    const { body: email } = await api<Summary>('/jobs/email', {
      method: 'POST',
      json: { to: address, subject: `Subject ${marker}`, body: `Body ${marker}` },
    });
    // A number the simulated provider refuses: the job fails, with an error.
    const { body: sms } = await api<Summary>('/jobs/sms', {
      method: 'POST',
      json: { phone: '+15005550009', message: `Message ${marker}` },
    });
    await waitForStatus(email.id, ['completed']);
    await waitForStatus(sms.id, ['failed']);

    const listings = [await allPages('type=email', 100), await allPages('status=failed&type=sms', 100)];
    const listed = listings.flat();
    expect(listed.map((job) => job.id)).toEqual(expect.arrayContaining([email.id, sms.id]));
    for (const job of listed) {
      for (const field of ['payload', 'result', 'history']) expect(job).not.toHaveProperty(field);
    }
    expect(listed.find((job) => job.id === sms.id)).toMatchObject({ status: 'failed', error: { kind: 'permanent' } });
    expect(listed.find((job) => job.id === sms.id)?.error).not.toHaveProperty('message');
    const text = JSON.stringify(listings);
    for (const leaked of [address, marker, '+15005550009', 'ravi-']) expect(text).not.toContain(leaked);

    const { body: page } = await api<Summary & { result?: Record<string, unknown> }>(`/jobs/${email.id}`);
    expect(page.payload).toEqual({ to: 'r***@example.com', subject: `Subject ${marker}`, body: '***' });
    expect(page.result?.deliveredTo).toBe('r***@example.com');
    const { body: failedPage } = await api<Summary>(`/jobs/${sms.id}`);
    expect(failedPage.payload).toEqual({ phone: '+15*****0009', message: '***' });
    expect(JSON.stringify(failedPage)).not.toContain('+15005550009');
  });

  test.each([
    ['status=sleeping', 'status'],
    ['type=fax', 'type'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['cursor=%7B%7D', 'cursor'],
  ])('?%s is a 400 naming %s', async (query, field) => {
    const response = await api<{ errors: { field: string }[] }>(`/jobs?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e) => e.field)).toEqual([field]);
  });
});

describe('queues and stats', () => {
  test('GET /queues gives visible, in-flight, delayed and dead-letter depths per type', async () => {
    await api('/jobs/email', {
      method: 'POST',
      json: { to: 'a@example.com', subject: 's', body: 'b', delay: 300_000 },
    });
    const { status, body } = await api<{ queues: Record<string, unknown>[] }>('/queues');
    expect(status).toBe(200);
    expect(body.queues.map((q) => q.type)).toEqual(['email', 'sms', 'cleanup']);
    for (const queue of body.queues) {
      expect(queue).toEqual({
        type: expect.any(String),
        visible: expect.any(Number),
        inFlight: expect.any(Number),
        delayed: expect.any(Number),
        deadLetters: expect.any(Number),
        paused: false,
        consumerState: expect.stringMatching(/^(Enabled|Enabling)$/),
      });
    }
    expect(body.queues[0]?.delayed).toBeGreaterThanOrEqual(1);
  });

  test('GET /stats counts a job that went from submitted to completed; GET /stats/series has it in its minute', async () => {
    type Counts = { counts: Record<string, Record<string, number>> };
    type Series = {
      minutes: number;
      to: string;
      types: { type: string; points: { minute: string; completed: number; submitted: number; p50Ms?: number }[] }[];
    };
    const before = (await api<Counts>('/stats')).body.counts.completed?.sms ?? 0;
    const { body: job } = await api<Summary>('/jobs/sms', {
      method: 'POST',
      json: { phone: '+14155550123', message: 'count me' },
    });
    const done = await waitForStatus(job.id, ['completed']);
    const finishedIn = done.updatedAt.slice(0, 16);
    // The counters follow the jobs table's stream: a moment behind the job itself.
    let stats: Counts | undefined;
    let series: Series | undefined;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      const [statsAnswer, seriesAnswer] = await Promise.all([
        api<Counts>('/stats'),
        api<Series>('/stats/series?minutes=5&type=sms'),
      ]);
      expect([statsAnswer.status, seriesAnswer.status]).toEqual([200, 200]);
      [stats, series] = [statsAnswer.body, seriesAnswer.body];
      const point = series.types[0]?.points.find((p) => p.minute === finishedIn);
      if ((stats.counts.completed?.sms ?? 0) > before && (point?.completed ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(stats!.counts.completed?.sms).toBeGreaterThan(before);
    expect(series!.minutes).toBe(5);
    expect(series!.types.map((t) => t.type)).toEqual(['sms']);
    const points = series!.types[0]!.points;
    expect(points).toHaveLength(5);
    expect(points.at(-1)?.minute).toBe(series!.to);
    // The minute it finished in is the current one (or, across a minute boundary, the one before).
    expect(points.findIndex((p) => p.minute === finishedIn)).toBeGreaterThanOrEqual(3);
    const point = points.find((p) => p.minute === finishedIn)!;
    expect(point.completed).toBeGreaterThanOrEqual(1);
    expect(point.p50Ms).toBeGreaterThanOrEqual(0);
  });

  test.each([
    ['minutes=0', 'minutes'],
    ['minutes=1441', 'minutes'],
    ['minutes=abc', 'minutes'],
    ['type=nope', 'type'],
  ])('GET /stats/series?%s is a 400 naming %s', async (query, field) => {
    const response = await api<{ errors: { field: string }[] }>(`/stats/series?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e) => e.field)).toEqual([field]);
  });
});

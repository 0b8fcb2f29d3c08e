import { api, waitForStatus } from '../support/api';

interface JobBody {
  id: string;
  type: string;
  status: string;
  version: number;
  attempts: number;
  maxAttempts: number;
  payload: Record<string, unknown>;
  runAt?: string;
  result?: Record<string, unknown>;
}
interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

const submissions = {
  email: { to: 'success@simulator.amazonses.com', subject: 'Welcome', body: 'Hello there, this is private' },
  sms: { phone: '+14155550123', message: 'Your code is 123456' },
  cleanup: { task: 'delete_temp' },
} as const;

describe('submit → queue → consumer → DynamoDB → status', () => {
  test.each(Object.entries(submissions))('a %s job is accepted and reaches completed', async (type, payload) => {
    const submitted = await api<JobBody>(`/jobs/${type}`, { method: 'POST', json: payload });
    expect(submitted.status).toBe(202);
    expect(submitted.headers.get('location')).toBe(`/jobs/${submitted.body.id}`);
    expect(submitted.body).toMatchObject({ type, status: 'queued', version: 1, attempts: 0 });

    const finished = await waitForStatus(submitted.body.id, ['completed', 'failed']);
    expect(finished.status).toBe('completed');

    const job = await api<JobBody>(`/jobs/${submitted.body.id}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ status: 'completed', attempts: 1 });
    expect(job.body.result).toBeDefined();
  });

  test('reading a job hides the email body and the SMS message, and shows recipients partly', async () => {
    const email = await api<JobBody>('/jobs/email', { method: 'POST', json: submissions.email });
    const sms = await api<JobBody>('/jobs/sms', { method: 'POST', json: submissions.sms });
    expect(email.body.payload.body).toBe('***');
    expect(sms.body.payload.message).toBe('***');
    const read = await api<JobBody>(`/jobs/${email.body.id}`);
    expect(read.body.payload).toEqual({ to: 's***@simulator.amazonses.com', subject: 'Welcome', body: '***' });
    const readSms = await api<JobBody>(`/jobs/${sms.body.id}`);
    expect(readSms.body.payload).toEqual({ phone: '+14*****0123', message: '***' });
  });

  test('a delayed job is accepted as delayed with its runAt and completes after the delay', async () => {
    const before = Date.now();
    const submitted = await api<JobBody>('/jobs/cleanup', {
      method: 'POST',
      json: { task: 'expire_sessions', delay: 1500 },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.body.status).toBe('delayed');
    expect(new Date(submitted.body.runAt ?? 0).getTime()).toBeGreaterThanOrEqual(before + 1500);
    const finished = await waitForStatus(submitted.body.id, ['completed', 'failed']);
    expect(finished.status).toBe('completed');
    expect(new Date(finished.updatedAt).getTime()).toBeGreaterThanOrEqual(before + 1500);
  });

  test('the status endpoint answers with id, status, version and updatedAt only', async () => {
    const submitted = await api<JobBody>('/jobs/sms', { method: 'POST', json: submissions.sms });
    const status = await api(`/jobs/${submitted.body.id}/status`);
    expect(status.status).toBe(200);
    expect(Object.keys(status.body).sort()).toEqual(['id', 'status', 'updatedAt', 'version']);
  });

  test('health answers 200', async () => {
    const health = await api('/health');
    expect(health.status).toBe(200);
  });
});

describe('bad input gets a problem+json 4xx naming the field', () => {
  async function expectProblem(
    response: Promise<Awaited<ReturnType<typeof api<ProblemBody>>>>,
    status: number,
    fields: string[] = [],
  ) {
    const { status: actual, headers, body } = await response;
    expect(actual).toBe(status);
    expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(body).toMatchObject({
      status,
      title: expect.any(String),
      detail: expect.any(String),
      type: expect.any(String),
    });
    expect((body.errors ?? []).map((e) => e.field)).toEqual(expect.arrayContaining(fields));
    for (const error of body.errors ?? []) expect(error.message).toEqual(expect.any(String));
    return body;
  }

  test('an invalid email names every bad field', async () => {
    await expectProblem(
      api<ProblemBody>('/jobs/email', { method: 'POST', json: { to: 'not-an-email', subject: '' } }),
      400,
      ['to', 'subject', 'body'],
    );
  });

  test('an SMS to a number that is not E.164, or a message over 1600 characters, is refused', async () => {
    await expectProblem(api<ProblemBody>('/jobs/sms', { method: 'POST', json: { phone: '0123', message: 'x' } }), 400, [
      'phone',
    ]);
    await expectProblem(
      api<ProblemBody>('/jobs/sms', { method: 'POST', json: { phone: '+14155550123', message: 'x'.repeat(1601) } }),
      400,
      ['message'],
    );
  });

  test('a cleanup with an unknown task, an unknown field or a bad delay is refused', async () => {
    await expectProblem(api<ProblemBody>('/jobs/cleanup', { method: 'POST', json: { task: 'format_disk' } }), 400, [
      'task',
    ]);
    await expectProblem(
      api<ProblemBody>('/jobs/cleanup', { method: 'POST', json: { task: 'delete_temp', colour: 1 } }),
      400,
      ['colour'],
    );
    await expectProblem(
      api<ProblemBody>('/jobs/cleanup', { method: 'POST', json: { task: 'delete_temp', delay: -5 } }),
      400,
      ['delay'],
    );
  });

  test('malformed JSON is a 400, not a 500', async () => {
    await expectProblem(
      api<ProblemBody>('/jobs/email', {
        method: 'POST',
        body: '{"to": ',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      ['(body)'],
    );
  });

  test('a body that is not JSON by content type is a 415', async () => {
    await expectProblem(
      api<ProblemBody>('/jobs/email', {
        method: 'POST',
        body: 'to=a@b.c',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      ['Content-Type'],
    );
  });

  test('an unknown job type is a 404 naming the type', async () => {
    await expectProblem(api<ProblemBody>('/jobs/fax', { method: 'POST', json: { to: 'x' } }), 404, ['type']);
  });

  test('a body over 256 KB is a 413', async () => {
    await expectProblem(
      api<ProblemBody>('/jobs/email', {
        method: 'POST',
        json: { to: 'a@example.com', subject: 's', body: 'x'.repeat(300 * 1024) },
      }),
      413,
    );
  });

  test('an unknown job id is a 404 on both reads', async () => {
    await expectProblem(api<ProblemBody>('/jobs/00000000-0000-4000-8000-000000000000'), 404);
    await expectProblem(api<ProblemBody>('/jobs/00000000-0000-4000-8000-000000000000/status'), 404);
  });

  test('an unknown route is a 404 problem', async () => {
    await expectProblem(api<ProblemBody>('/nothing/here'), 404);
  });
});

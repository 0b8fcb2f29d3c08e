import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { api, apiUrl, waitForStatus } from '../support/api';
import { awsOnly, localStackOnly } from '../support/targets';

interface Problem {
  status: number;
  errors?: { field: string; message: string }[];
}

describe('tokens', () => {
  test.each([
    ['POST', '/jobs/email', { to: 'a@example.com', subject: 's', body: 'b' }],
    ['POST', '/jobs', {}],
    ['PUT', `/jobs/${randomUUID()}`, { status: 'done' }],
    ['DELETE', `/jobs/${randomUUID()}`, undefined],
    ['POST', '/queues/email/redrive', undefined],
    ['GET', `/jobs/${randomUUID()}`, undefined],
  ])('%s %s without a token is a 401 problem naming Authorization', async (method, path, json) => {
    const response = await api<Problem>(path, { method, json, headers: { 'x-api-key': '' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.body.errors?.[0]?.field).toBe('Authorization');
  });

  test('a wrong token is refused, as a bearer token or as x-api-key', async () => {
    const json = { to: 'a@example.com', subject: 's', body: 'b' };
    const tries: Record<string, string>[] = [
      { 'x-api-key': 'not-the-key-at-all' },
      { authorization: 'Bearer not-the-key-at-all' },
    ];
    for (const headers of tries) {
      expect((await api('/jobs/email', { method: 'POST', json, headers })).status).toBe(403);
    }
  });

  test('the key of existing clients (x-api-key) and the bearer token both work', async () => {
    const key = process.env.JOBS_API_KEY ?? '';
    expect((await fetch(apiUrl('/stats'), { headers: { 'x-api-key': key } })).status).toBe(200);
    expect((await fetch(apiUrl('/stats'), { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  test('reads by id need a token too', async () => {
    const { body } = await api<{ id: string }>('/jobs/sms', {
      method: 'POST',
      json: { phone: '+14155550123', message: 'hi' },
    });
    expect((await fetch(apiUrl(`/jobs/${body.id}`))).status).toBe(401);
    expect((await fetch(apiUrl(`/jobs/${body.id}/status`))).status).toBe(401);
    expect((await api(`/jobs/${body.id}`)).status).toBe(200);
  });

  test('a JSON body that is not an object is refused before any function runs', async () => {
    const response = await api<Problem>('/jobs/sms', {
      method: 'POST',
      body: '["+14155550123"]',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.field).toBe('(body)');
  });

  awsOnly('a burst beyond the usage plan is throttled with a 429 problem and Retry-After', async () => {
    const responses = await Promise.all(
      Array.from({ length: 300 }, () =>
        fetch(apiUrl('/jobs'), { method: 'POST', headers: { 'x-api-key': process.env.JOBS_API_KEY ?? '' } }),
      ),
    );
    const throttled = responses.find((r) => r.status === 429);
    expect(throttled?.headers.get('retry-after')).toBe('1');
  });
});

/** The logical id of the template's rule scheduled daily at 00:00 UTC. */
function midnightRule(): string {
  const template = JSON.parse(readFileSync('cdk.out/ServerlessJobs.template.json', 'utf8')) as {
    Resources: Record<string, { Type: string; Properties?: { ScheduleExpression?: string } }>;
  };
  const [logicalId] =
    Object.entries(template.Resources).find(
      ([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties?.ScheduleExpression === 'cron(0 0 * * ? *)',
    ) ?? [];
  if (!logicalId) throw new Error('no rule at 00:00 UTC in the template');
  return logicalId;
}

describe('the daily cleanup schedule', () => {
  localStackOnly('firing the 00:00 UTC rule enqueues one cleanup job for the day, which completes', async () => {
    const fire = () =>
      fetch(apiUrl(`/_local/rules/${midnightRule()}/fire`), { method: 'POST', headers: { 'x-local-admin': '1' } });
    const rules = await fire();
    const fired = (await rules.json()) as { results: { jobId: string }[] };
    expect(rules.status).toBe(200);
    const jobId = fired.results[0]?.jobId ?? '';
    expect(jobId).toBe(`system:daily-cleanup:${new Date().toISOString().slice(0, 10)}`);
    expect((await waitForStatus(jobId, ['completed', 'failed'])).status).toBe('completed');

    const again = (await (await fire()).json()) as {
      results: { jobId: string; alreadyEnqueued: boolean }[];
    };
    expect(again.results[0]).toEqual({ jobId, alreadyEnqueued: true });
  });
});

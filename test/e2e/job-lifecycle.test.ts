import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SIMULATED_SMS_NUMBERS } from '../../src/jobs/providers/simulated-sms-sender';
import { localStackOnly } from '../support/targets';
import { api, waitForStatus } from '../support/api';
import { localStackTableName } from '../support/aws-resources';
import { aJob } from '../support/jobs';

interface JobBody {
  id: string;
  status: string;
  attempts: number;
  history: { status: string; attempt: number; error?: string }[];
  error?: { kind: string; message: string };
}

describe('failure simulation over HTTP', () => {
  test('an email to fail-1@… fails once, is retried after a backoff and completes on attempt 2', async () => {
    const { body } = await api<JobBody>('/jobs/email', {
      method: 'POST',
      json: { to: 'fail-1@example.com', subject: 'retry me', body: 'x' },
    });
    await waitForStatus(body.id, ['completed', 'failed']);
    const job = await api<JobBody>(`/jobs/${body.id}`);
    expect(job.body).toMatchObject({ status: 'completed', attempts: 2 });
    expect(job.body.history.map((h) => h.status)).toEqual([
      'queued',
      'processing',
      'retrying',
      'processing',
      'completed',
    ]);
    expect(job.body.history[2]?.error).toMatch(/Simulated transient failure/);
  });

  test('a bounce fails at once and the failure is visible with its error', async () => {
    const { body } = await api<JobBody>('/jobs/email', {
      method: 'POST',
      json: { to: 'bounce@simulator.amazonses.com', subject: 's', body: 'x' },
    });
    await waitForStatus(body.id, ['failed', 'completed']);
    const job = await api<JobBody>(`/jobs/${body.id}`);
    expect(job.body).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'permanent' } });
  });

  test('an SMS to the unreachable test number fails permanently', async () => {
    const { body } = await api<JobBody>('/jobs/sms', {
      method: 'POST',
      json: { phone: SIMULATED_SMS_NUMBERS.unreachable, message: 'hi' },
    });
    expect((await waitForStatus(body.id, ['failed', 'completed'])).status).toBe('failed');
  });
});

describe('cancel over HTTP', () => {
  test('a delayed job can be cancelled once; cancelling again is a 409', async () => {
    const { body } = await api<JobBody>('/jobs/cleanup', {
      method: 'POST',
      json: { task: 'delete_temp', delay: 60_000 },
    });
    const cancelled = await api<JobBody>(`/jobs/${body.id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await api(`/jobs/${body.id}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/problem\+json/);
  });

  test('cancelling an unknown job is a 404', async () => {
    expect((await api(`/jobs/${randomUUID()}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('idempotent submission', () => {
  const email = { to: 'success@simulator.amazonses.com', subject: 'once', body: 'only once' };

  test('the same Idempotency-Key returns the same job with 200', async () => {
    const key = randomUUID();
    const first = await api<JobBody>('/jobs/email', {
      method: 'POST',
      json: email,
      headers: { 'Idempotency-Key': key },
    });
    const second = await api<JobBody>('/jobs/email', {
      method: 'POST',
      json: email,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });

  test('the same key with a different body is a 422 naming the header', async () => {
    const key = randomUUID();
    await api('/jobs/email', { method: 'POST', json: email, headers: { 'Idempotency-Key': key } });
    const reused = await api<{ errors: { field: string }[] }>('/jobs/email', {
      method: 'POST',
      json: { ...email, subject: 'different' },
      headers: { 'Idempotency-Key': key },
    });
    expect(reused.status).toBe(422);
    expect(reused.body.errors.map((e) => e.field)).toEqual(['Idempotency-Key']);
  });

  test('a rejected submission does not use up its key', async () => {
    const key = randomUUID();
    const invalid = await api('/jobs/email', {
      method: 'POST',
      json: { to: 'nope' },
      headers: { 'Idempotency-Key': key },
    });
    expect(invalid.status).toBe(400);
    const valid = await api('/jobs/email', {
      method: 'POST',
      json: { to: 'nope' },
      headers: { 'Idempotency-Key': key },
    });
    expect(valid.status).toBe(400);
  });

  test('without a key, the same body makes two jobs', async () => {
    const first = await api<JobBody>('/jobs/email', { method: 'POST', json: email });
    const second = await api<JobBody>('/jobs/email', { method: 'POST', json: email });
    expect(second.body.id).not.toBe(first.body.id);
  });
});

describe('redrive over HTTP', () => {
  localStackOnly(
    'POST /queues/email/redrive brings a dead-lettered job to completed and reports how many moved',
    async () => {
      const queues = JSON.parse(process.env.LOCAL_STACK_QUEUES ?? '{}') as Record<string, { queueUrl: string }>;
      const dlqUrl = Object.entries(queues).find(([id]) => id.startsWith('EmailJobsDeadLetterQueue'))?.[1].queueUrl;
      expect(dlqUrl).toBeDefined();
      const repository = new DynamoDbJobsRepository(createDocumentClient(), localStackTableName());
      const job = aJob('email', {
        status: 'failed',
        attempts: 5,
        deadLettered: true,
        error: { kind: 'dead-lettered', message: 'The message reached the dead-letter queue' },
      });
      await repository.create(job);
      await createSqsClient().send(
        new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify({ jobId: job.id, type: 'email' }) }),
      );

      const redrive = await api<{ moved: number }>('/queues/email/redrive', { method: 'POST' });
      expect(redrive.status).toBe(200);
      expect(redrive.body.moved).toBeGreaterThanOrEqual(1);
      expect((await waitForStatus(job.id, ['completed'])).status).toBe('completed');
      expect((await api<JobBody>(`/jobs/${job.id}`)).body.attempts).toBe(1);
    },
  );

  test('redriving an unknown type is a 404 naming the type', async () => {
    const response = await api<{ errors: { field: string }[] }>('/queues/fax/redrive', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(response.body.errors[0]?.field).toBe('type');
  });
});

describe('queue controls over HTTP', () => {
  interface QueueBody {
    type: string;
    paused: boolean;
    consumerState: string;
  }
  const queueOf = async (type: string) =>
    (await api<{ queues: QueueBody[] }>('/queues')).body.queues.find((queue) => queue.type === type);
  const settled = async (type: string, state: string) => {
    const deadline = Date.now() + 10_000;
    while ((await queueOf(type))?.consumerState !== state) {
      if (Date.now() > deadline) throw new Error(`${type} never became ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  test('a job submitted to a paused queue stays queued, and completes once the queue resumes', async () => {
    try {
      const paused = await api<QueueBody>('/queues/cleanup/pause', { method: 'POST' });
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ type: 'cleanup', paused: true, consumerState: 'Disabling' });
      // Disabling until the pollers' long polls in progress run out; paused from the start.
      expect(await queueOf('cleanup')).toMatchObject({ paused: true });
      expect(['Disabling', 'Disabled']).toContain((await queueOf('cleanup'))?.consumerState);

      const { body } = await api<JobBody>('/jobs/cleanup', { method: 'POST', json: { task: 'delete_temp' } });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect((await api<JobBody>(`/jobs/${body.id}`)).body.status).toBe('queued');
      expect((await queueOf('cleanup'))?.paused).toBe(true);

      const resumed = await api<QueueBody>('/queues/cleanup/resume', { method: 'POST' });
      expect(resumed.body).toMatchObject({ type: 'cleanup', paused: false });
      await waitForStatus(body.id, ['completed']);
      await settled('cleanup', 'Enabled');
      expect(await queueOf('cleanup')).toMatchObject({ paused: false, consumerState: 'Enabled' });
    } finally {
      // Never leave the shared stack's queue paused for the other suites.
      await api('/queues/cleanup/resume', { method: 'POST' });
    }
  }, 30_000);

  test('pausing an unknown type is a 404 naming the type', async () => {
    const response = await api<{ errors: { field: string }[] }>('/queues/nope/pause', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(response.body.errors[0]?.field).toBe('type');
  });
});

describe('bulk retry over HTTP', () => {
  test('a dry run counts the failed jobs of a filter; retrying needs that count and retries them', async () => {
    const since = new Date().toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { body } = await api<JobBody>('/jobs/email', {
        method: 'POST',
        json: { to: 'bounce@simulator.amazonses.com', subject: `bulk ${i}`, body: 'x' },
      });
      ids.push(body.id);
    }
    for (const id of ids) await waitForStatus(id, ['failed']);
    // A closed window: its count cannot grow while the test runs.
    const filter = {
      type: 'email',
      errorKind: 'permanent',
      failedAfter: since,
      failedBefore: new Date().toISOString(),
    };

    const dryRun = await api<{ matched: number }>('/jobs/retry', { method: 'POST', json: { filter, dryRun: true } });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body.matched).toBeGreaterThanOrEqual(2);
    const matched = dryRun.body.matched;

    const missing = await api<{ errors: { field: string }[] }>('/jobs/retry', { method: 'POST', json: { filter } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e) => e.field)).toContain('expect');
    const wrong = await api<{ matched: number; type: string }>('/jobs/retry', {
      method: 'POST',
      json: { filter, expect: matched + 1 },
    });
    expect(wrong.status).toBe(409);
    expect(wrong.body).toMatchObject({ type: 'urn:serverless-jobs:problem:count-changed', matched });

    const retried = await api<{ matched: number; retried: string[]; remaining: number }>('/jobs/retry', {
      method: 'POST',
      json: { filter, expect: matched },
    });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ matched, remaining: 0 });
    expect(retried.body.retried).toEqual(expect.arrayContaining(ids));
    for (const id of ids) {
      const job = await waitForStatus(id, ['failed'], 20_000);
      expect(job.version).toBeGreaterThan(3); // failed again in its second round
    }
  }, 45_000);

  test('an unknown type or error kind is a 400 naming the field', async () => {
    const response = await api<{ errors: { field: string }[] }>('/jobs/retry', {
      method: 'POST',
      json: { filter: { type: 'nope', errorKind: 'odd' }, dryRun: true },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e) => e.field)).toEqual(['filter.errorKind']);
  });
});

import { MAX_SQS_DELAY_SECONDS, newJob, sqsDelaySeconds } from '../../src/jobs/new-job';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const inMs = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

describe('newJob', () => {
  const base = { id: 'job-1', type: 'email' as const, payload: { to: 'a@example.com' }, maxAttempts: 5, now: NOW };

  it('a job due now starts queued at version 1 with no attempts', () => {
    const job = newJob(base);
    expect(job).toEqual({
      id: 'job-1',
      type: 'email',
      status: 'queued',
      version: 1,
      round: 1,
      attempts: 0,
      maxAttempts: 5,
      payload: { to: 'a@example.com' },
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      history: [{ status: 'queued', at: NOW.toISOString(), attempt: 0 }],
    });
  });

  it('a job with a runAt starts delayed and records when it is due', () => {
    const runAt = new Date('2030-01-01T13:00:00.000Z');
    const job = newJob({ ...base, runAt });
    expect(job.status).toBe('delayed');
    expect(job.runAt).toBe(runAt.toISOString());
    expect(job.history).toEqual([{ status: 'delayed', at: NOW.toISOString(), attempt: 0 }]);
  });

  it('an external job starts pending', () => {
    const job = newJob({ ...base, type: 'external', initialStatus: 'pending' });
    expect(job.status).toBe('pending');
    expect(job.history[0]?.status).toBe('pending');
  });

  it('a new job has no expiry, lease or error', () => {
    const job = newJob(base);
    expect(job).not.toHaveProperty('expiresAt');
    expect(job).not.toHaveProperty('leaseUntil');
    expect(job).not.toHaveProperty('error');
  });
});

describe('sqsDelaySeconds', () => {
  it('a job with no runAt is sent without delay', () => {
    expect(sqsDelaySeconds(undefined, NOW)).toBe(0);
  });

  it('a job already due is sent without delay', () => {
    expect(sqsDelaySeconds(inMs(-5000), NOW)).toBe(0);
    expect(sqsDelaySeconds(inMs(0), NOW)).toBe(0);
  });

  it('whole seconds are kept as they are', () => {
    expect(sqsDelaySeconds(inMs(30_000), NOW)).toBe(30);
  });

  it('a part second is rounded up so the message never arrives early', () => {
    expect(sqsDelaySeconds(inMs(1), NOW)).toBe(1);
    expect(sqsDelaySeconds(inMs(1_001), NOW)).toBe(2);
    expect(sqsDelaySeconds(inMs(29_500), NOW)).toBe(30);
  });

  it('the delay is capped at the SQS maximum of 15 minutes', () => {
    expect(MAX_SQS_DELAY_SECONDS).toBe(900);
    expect(sqsDelaySeconds(inMs(900_000), NOW)).toBe(900);
    expect(sqsDelaySeconds(inMs(899_001), NOW)).toBe(900);
    expect(sqsDelaySeconds(inMs(900_001), NOW)).toBe(900);
    expect(sqsDelaySeconds(inMs(7 * 24 * 60 * 60 * 1000), NOW)).toBe(900);
  });

  it('a runAt with a UTC offset is measured as the same instant', () => {
    expect(sqsDelaySeconds('2030-01-01T14:01:00+02:00', NOW)).toBe(60);
  });
});

import type { Job } from '../../src/jobs/job';
import { MASK, maskJob, maskPayload } from '../../src/jobs/mask-job';

function aJob(overrides: Partial<Job>): Job {
  return {
    id: 'job-1',
    type: 'email',
    status: 'completed',
    version: 4,
    attempts: 1,
    maxAttempts: 5,
    payload: {},
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:01:00.000Z',
    history: [],
    expiresAt: 1_900_000_000,
    ...overrides,
  };
}

describe('maskPayload', () => {
  it('hides an email body and keeps the other fields', () => {
    const payload = { to: 'ada@example.com', subject: 'Hi', body: 'secret' };
    expect(maskPayload('email', payload)).toEqual({ to: 'ada@example.com', subject: 'Hi', body: MASK });
    expect(MASK).toBe('***');
  });

  it('hides an sms message and keeps the phone number', () => {
    expect(maskPayload('sms', { phone: '+14155550123', message: 'code 1234' })).toEqual({
      phone: '+14155550123',
      message: MASK,
    });
  });

  it('does not mutate the payload it was given', () => {
    const payload = { to: 'ada@example.com', subject: 'Hi', body: 'secret' };
    maskPayload('email', payload);
    expect(payload.body).toBe('secret');
  });

  it('leaves cleanup and external payloads as they are', () => {
    expect(maskPayload('cleanup', { task: 'delete_temp' })).toEqual({ task: 'delete_temp' });
    expect(maskPayload('external', { body: 'x', message: 'y' })).toEqual({ body: 'x', message: 'y' });
  });

  it('does not add a sensitive field the payload lacks', () => {
    expect(maskPayload('email', { to: 'ada@example.com' })).toEqual({ to: 'ada@example.com' });
  });

  it('sms masking does not touch a field called body', () => {
    expect(maskPayload('sms', { body: 'x', message: 'y' })).toEqual({ body: 'x', message: MASK });
  });
});

describe('maskJob', () => {
  it('shows an email job with its body hidden and without the internal TTL', () => {
    const job = aJob({ payload: { to: 'ada@example.com', subject: 'Hi', body: 'secret' } });
    const visible = maskJob(job);
    expect(visible.payload).toEqual({ to: 'ada@example.com', subject: 'Hi', body: MASK });
    expect(visible).not.toHaveProperty('expiresAt');
    const { expiresAt: _expiresAt, payload: _payload, ...rest } = job;
    expect(visible).toMatchObject(rest);
  });

  it('shows an sms job with its message hidden', () => {
    const job = aJob({ type: 'sms', payload: { phone: '+14155550123', message: 'code 1234' } });
    expect(maskJob(job).payload).toEqual({ phone: '+14155550123', message: MASK });
  });

  it('does not mutate the job or its payload', () => {
    const job = aJob({ type: 'sms', payload: { phone: '+14155550123', message: 'code 1234' } });
    const before = structuredClone(job);
    maskJob(job);
    expect(job).toEqual(before);
  });
});

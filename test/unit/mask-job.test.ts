import type { Job } from '../../src/jobs/job';
import { MASK, maskJob, maskPayload, maskRecipient, maskText, NO_MASKING } from '../../src/jobs/mask-job';

const emailMasking = { sensitiveFields: ['body'], recipientFields: ['to'] };
const smsMasking = { sensitiveFields: ['message'], recipientFields: ['phone'] };

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

describe('maskRecipient', () => {
  test.each([
    ['ravi@example.com', 'r***@example.com'],
    ['a@b.co', 'a***@b.co'],
    ['+919876549999', '+91******9999'],
    ['+14155550123', '+14*****0123'],
    ['someone', 's***'],
  ])('%s is shown as %s', (value, masked) => {
    expect(maskRecipient(value)).toBe(masked);
  });
});

describe('maskPayload', () => {
  it('hides sensitive fields, shows recipients partly and keeps the rest', () => {
    const payload = { to: 'ada@example.com', subject: 'Hi', body: 'secret' };
    expect(maskPayload(emailMasking, payload)).toEqual({ to: 'a***@example.com', subject: 'Hi', body: MASK });
    expect(MASK).toBe('***');
  });

  it('does not mutate the payload it was given', () => {
    const payload = { to: 'ada@example.com', subject: 'Hi', body: 'secret' };
    maskPayload(emailMasking, payload);
    expect(payload).toEqual({ to: 'ada@example.com', subject: 'Hi', body: 'secret' });
  });

  it('leaves a type without masked fields as it is', () => {
    expect(maskPayload(NO_MASKING, { body: 'x', message: 'y' })).toEqual({ body: 'x', message: 'y' });
  });

  it('does not add a masked field the payload lacks', () => {
    expect(maskPayload(emailMasking, { subject: 'Hi' })).toEqual({ subject: 'Hi' });
  });

  it('masks only its own type’s fields', () => {
    expect(maskPayload(smsMasking, { body: 'x', message: 'y' })).toEqual({ body: 'x', message: MASK });
  });
});

describe('maskText', () => {
  const payload = { to: 'ada@example.com', subject: 'Hi', body: 'the launch code is 0000' };

  it('masks the payload’s sensitive and recipient values wherever they appear', () => {
    expect(maskText(emailMasking, payload, 'Hard bounce from ada@example.com: "the launch code is 0000"')).toBe(
      'Hard bounce from a***@example.com: "***"',
    );
  });

  it('leaves text without those values alone, and values shorter than 3 characters unsearched', () => {
    expect(maskText(emailMasking, { to: 'ada@example.com', body: 'ok' }, 'all ok')).toBe('all ok');
  });
});

describe('maskJob', () => {
  it('shows an email job with its body hidden, its recipient partly, and without the internal TTL', () => {
    const job = aJob({ payload: { to: 'ada@example.com', subject: 'Hi', body: 'secret' } });
    const visible = maskJob(job, emailMasking);
    expect(visible.payload).toEqual({ to: 'a***@example.com', subject: 'Hi', body: MASK });
    expect(visible).not.toHaveProperty('expiresAt');
    const { expiresAt: _expiresAt, payload: _payload, ...rest } = job;
    expect(visible).toMatchObject(rest);
  });

  it('masks the same values in the result, the error and the history', () => {
    const job = aJob({
      type: 'sms',
      status: 'failed',
      payload: { phone: '+919876549999', message: 'code 1234' },
      result: { deliveredTo: '+919876549999', nested: [{ echo: 'code 1234' }] },
      error: { kind: 'permanent', message: 'Handset +919876549999 is unreachable' },
      history: [{ status: 'failed', at: '2030-01-01T00:01:00.000Z', attempt: 1, error: 'no route to +919876549999' }],
    });
    const visible = maskJob(job, smsMasking);
    expect(visible.payload).toEqual({ phone: '+91******9999', message: MASK });
    expect(visible.result).toEqual({ deliveredTo: '+91******9999', nested: [{ echo: MASK }] });
    expect(visible.error?.message).toBe('Handset +91******9999 is unreachable');
    expect(visible.history[0]?.error).toBe('no route to +91******9999');
  });

  it('does not mutate the job or its payload', () => {
    const job = aJob({ type: 'sms', payload: { phone: '+14155550123', message: 'code 1234' } });
    const before = structuredClone(job);
    maskJob(job, smsMasking);
    expect(job).toEqual(before);
  });
});

describe('recipient fields that hold more than one address', () => {
  const listMasking = { sensitiveFields: ['notes'], recipientFields: ['cc', 'owner'] };

  it('a list of recipients is shown partly, item by item; a recipient that is no string is hidden whole', () => {
    expect(
      maskPayload(listMasking, {
        cc: ['ravi@example.com', '+919876549999', 7],
        owner: { email: 'ada@example.com' },
        notes: ['secret one'],
      }),
    ).toEqual({ cc: ['r***@example.com', '+91******9999', MASK], owner: MASK, notes: MASK });
  });

  it('each listed recipient is masked wherever free text quotes it', () => {
    const payload = { cc: ['ravi@example.com', 'ada@example.com'], notes: ['the launch code'] };
    expect(maskText(listMasking, payload, 'ada@example.com and ravi@example.com: the launch code')).toBe(
      'a***@example.com and r***@example.com: ***',
    );
  });
});

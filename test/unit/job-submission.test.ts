import { ValidationError, type InvalidField } from '../../src/jobs/errors/validation-error';
import type { JobType } from '../../src/jobs/job';
import { MAX_DELAY_MS, parseSubmission } from '../../src/jobs/job-submission';
import { builtInJobTypes } from '../support/jobs';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const registry = builtInJobTypes();
/** Validates against the registered type's schema, as the submit use case does. */
const parse = (type: JobType, input: unknown, now: Date) =>
  parseSubmission(registry.get(type).definition.payload, input, now);

const VALID = {
  email: { to: 'ada@example.com', subject: 'Welcome', body: 'Hello Ada' },
  sms: { phone: '+14155550123', message: 'Your code is 1234' },
  cleanup: { task: 'delete_temp' },
};

/** The ValidationError fields the submission was rejected with; fails the test if it was accepted. */
function rejectionOf(type: JobType, input: unknown): InvalidField[] {
  try {
    parse(type, input, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const { fields } = error as ValidationError;
    for (const field of fields) {
      expect(typeof field.message).toBe('string');
      expect(field.message.length).toBeGreaterThan(0);
    }
    return fields;
  }
  throw new Error(`Expected ${JSON.stringify(input)} to be rejected`);
}

function rejectedFieldNames(type: JobType, input: unknown): string[] {
  return rejectionOf(type, input).map((f) => f.field);
}

describe('valid submissions', () => {
  it.each(Object.entries(VALID) as [JobType, Record<string, unknown>][])(
    'a valid %s body is accepted as its payload, due now',
    (type, body) => {
      const submission = parse(type, body, NOW);
      expect(submission.payload).toEqual(body);
      expect(submission).not.toHaveProperty('runAt');
    },
  );

  it('a cleanup job accepts its failure-simulation settings', () => {
    const body = { task: 'expire_sessions', simulateFailures: 2, durationMs: 1000 };
    expect(parse('cleanup', body, NOW).payload).toEqual(body);
  });

  it.each(['delete_temp', 'remove_old_logs', 'expire_sessions'])('cleanup task %s is accepted', (task) => {
    expect(parse('cleanup', { task }, NOW).payload).toEqual({ task });
  });

  it('delay and runAt are not part of the stored payload', () => {
    const submission = parse('sms', { ...VALID.sms, delay: 5000 }, NOW);
    expect(submission.payload).toEqual(VALID.sms);
  });
});

describe('request body shape', () => {
  it.each([null, 'text', 42, ['an', 'array'], undefined])('a body that is not an object (%p) is rejected', (body) => {
    expect(rejectionOf('email', body)).toEqual([{ field: '(body)', message: 'must be a JSON object' }]);
  });

  it('an unknown field is rejected by name', () => {
    const fields = rejectionOf('email', { ...VALID.email, cc: 'bob@example.com' });
    expect(fields).toEqual([{ field: 'cc', message: 'is not a known field' }]);
  });

  it.each(['email', 'sms', 'cleanup'] as const)('unknown fields are rejected for %s jobs', (type) => {
    expect(rejectedFieldNames(type, { ...VALID[type], priority: 1 })).toEqual(['priority']);
  });

  it('every invalid field is reported at once', () => {
    const names = rejectedFieldNames('email', { to: 'nope', subject: '', body: 3, delay: -1 });
    expect(names.sort()).toEqual(['body', 'delay', 'subject', 'to']);
  });

  it('the error message names the invalid fields', () => {
    try {
      parse('sms', { phone: 'x', message: '' }, NOW);
      throw new Error('accepted');
    } catch (error) {
      expect((error as Error).message).toMatch(/phone/);
      expect((error as Error).message).toMatch(/message/);
    }
  });
});

describe('email rules', () => {
  it.each([
    ['to', { to: 'not-an-email' }],
    ['to', { to: undefined }],
    ['subject', { subject: '' }],
    ['subject', { subject: '   ' }],
    ['subject', { subject: 'x'.repeat(999) }],
    ['subject', { subject: 42 }],
    ['body', { body: '' }],
    ['body', { body: undefined }],
  ])('an invalid %s is rejected (%p)', (field, override) => {
    expect(rejectedFieldNames('email', { ...VALID.email, ...override })).toEqual([field]);
  });

  it('a 998-character subject is accepted', () => {
    const body = { ...VALID.email, subject: 'x'.repeat(998) };
    expect(parse('email', body, NOW).payload).toEqual(body);
  });

  it('the subject is stored trimmed', () => {
    expect(parse('email', { ...VALID.email, subject: '  Hi  ' }, NOW).payload.subject).toBe('Hi');
  });
});

describe('sms rules', () => {
  it.each(['+14155550123', '+447911123456', '+12', '+123456789012345'])('E.164 number %s is accepted', (phone) => {
    expect(parse('sms', { ...VALID.sms, phone }, NOW).payload.phone).toBe(phone);
  });

  it.each(['14155550123', '+04155550123', '+1', '+1234567890123456', '+1 415 555 0123', '+1415555O123', ''])(
    'non-E.164 number %p is rejected',
    (phone) => {
      const fields = rejectionOf('sms', { ...VALID.sms, phone });
      expect(fields).toEqual([{ field: 'phone', message: expect.stringContaining('E.164') }]);
    },
  );

  it('a 1-character message is accepted', () => {
    expect(parse('sms', { ...VALID.sms, message: 'x' }, NOW).payload.message).toBe('x');
  });

  it('a 1600-character message is accepted', () => {
    const message = 'x'.repeat(1600);
    expect(parse('sms', { ...VALID.sms, message }, NOW).payload.message).toBe(message);
  });

  it.each([
    ['empty', ''],
    ['1601 characters', 'x'.repeat(1601)],
  ])('a message that is %s is rejected', (_label, message) => {
    expect(rejectedFieldNames('sms', { ...VALID.sms, message })).toEqual(['message']);
  });

  it('a missing message is rejected', () => {
    expect(rejectedFieldNames('sms', { phone: VALID.sms.phone })).toEqual(['message']);
  });
});

describe('cleanup rules', () => {
  it.each(['vacuum', '', 'DELETE_TEMP', undefined])('task %p is rejected with the allowed values', (task) => {
    const fields = rejectionOf('cleanup', { task });
    expect(fields).toEqual([
      { field: 'task', message: 'must be one of delete_temp, remove_old_logs, expire_sessions' },
    ]);
  });

  it.each([
    ['simulateFailures', -1],
    ['simulateFailures', 101],
    ['simulateFailures', 1.5],
    ['durationMs', -1],
    ['durationMs', 15 * 60 * 1000 + 1],
  ])('%s = %p is rejected', (field, value) => {
    expect(rejectedFieldNames('cleanup', { task: 'delete_temp', [field]: value })).toEqual([field]);
  });
});

describe('delay', () => {
  it('a delay makes the job due that many milliseconds from now', () => {
    const { runAt } = parse('email', { ...VALID.email, delay: 90_000 }, NOW);
    expect(runAt).toEqual(new Date(NOW.getTime() + 90_000));
  });

  it('a zero delay means due now', () => {
    expect(parse('email', { ...VALID.email, delay: 0 }, NOW)).not.toHaveProperty('runAt');
  });

  it('the longest delay, 7 days, is accepted', () => {
    expect(MAX_DELAY_MS).toBe(7 * 24 * 60 * 60 * 1000);
    const { runAt } = parse('email', { ...VALID.email, delay: MAX_DELAY_MS }, NOW);
    expect(runAt).toEqual(new Date(NOW.getTime() + MAX_DELAY_MS));
  });

  it.each([
    ['negative', -1],
    ['beyond 7 days', MAX_DELAY_MS + 1],
    ['fractional', 1.5],
    ['a string', '1000'],
    ['null', null],
  ])('a %s delay is rejected', (_label, delay) => {
    expect(rejectedFieldNames('email', { ...VALID.email, delay })).toEqual(['delay']);
  });
});

describe('runAt', () => {
  it('a future runAt in UTC makes the job due then', () => {
    const { runAt } = parse('sms', { ...VALID.sms, runAt: '2030-01-02T09:00:00Z' }, NOW);
    expect(runAt).toEqual(new Date('2030-01-02T09:00:00Z'));
  });

  it('a runAt with a UTC offset is converted to the right instant', () => {
    const { runAt } = parse('sms', { ...VALID.sms, runAt: '2030-01-02T09:00:00+02:00' }, NOW);
    expect(runAt?.toISOString()).toBe('2030-01-02T07:00:00.000Z');
  });

  it.each(['2030-01-02T09:00:00', '2030-01-02', 'tomorrow', '', 1893574800000])(
    'runAt %p without a date-time and offset is rejected',
    (runAt) => {
      const fields = rejectionOf('sms', { ...VALID.sms, runAt });
      expect(fields).toEqual([{ field: 'runAt', message: expect.stringContaining('ISO 8601') }]);
    },
  );

  it('a runAt in the past makes the job due now', () => {
    expect(parse('sms', { ...VALID.sms, runAt: '2029-12-31T00:00:00Z' }, NOW)).not.toHaveProperty('runAt');
  });

  it('a runAt equal to now makes the job due now', () => {
    expect(parse('sms', { ...VALID.sms, runAt: NOW.toISOString() }, NOW)).not.toHaveProperty('runAt');
  });

  it('a runAt exactly 7 days ahead is accepted', () => {
    const at = new Date(NOW.getTime() + MAX_DELAY_MS);
    expect(parse('sms', { ...VALID.sms, runAt: at.toISOString() }, NOW).runAt).toEqual(at);
  });

  it('a runAt more than 7 days ahead is rejected', () => {
    const at = new Date(NOW.getTime() + MAX_DELAY_MS + 1000).toISOString();
    expect(rejectionOf('sms', { ...VALID.sms, runAt: at })).toEqual([
      { field: 'runAt', message: 'must be at most 7 days ahead' },
    ]);
  });

  it('delay and runAt together are rejected', () => {
    const fields = rejectionOf('sms', { ...VALID.sms, delay: 1000, runAt: '2030-01-02T09:00:00Z' });
    expect(fields).toEqual([{ field: 'runAt', message: 'give either delay or runAt, not both' }]);
  });

  it('delay 0 with a runAt is still rejected as both', () => {
    expect(rejectedFieldNames('sms', { ...VALID.sms, delay: 0, runAt: '2030-01-02T09:00:00Z' })).toEqual(['runAt']);
  });
});

// Found by `npm run fuzz`: `{"": 1}` was refused with a field named "", which names nothing.
test('an unknown field with an empty name is named "" in the problem', () => {
  expect(rejectionOf('cleanup', { task: 'delete_temp', '': 1 })).toEqual([
    { field: '""', message: 'is not a known field' },
    { field: '""', message: 'must have a non-empty, well-formed Unicode name' },
  ]);
});

import { cleanup } from '../../src/job-types/cleanup';
import { email } from '../../src/job-types/email';
import { jobTypes } from '../../src/job-types';
import { sms } from '../../src/job-types/sms';
import { PermanentJobError, TransientJobError, type JobContext } from '../../src/jobs/define-job-type';
import { parseSubmission } from '../../src/jobs/job-submission';
import type { ProviderCall } from '../../src/jobs/providers/provider-call';
import { aJob, builtInJobTypes, silentLog } from '../support/jobs';
import { simulatedMessageSenders } from '../../src/jobs/providers/simulated-message-senders';

function contextWith<Providers>(providers: Providers, attempt = 1): JobContext<Providers> {
  return {
    jobId: 'job-1',
    type: 'test',
    attempt,
    idempotencyKey: 'job-1:1',
    log: silentLog,
    signal: new AbortController().signal,
    providers,
    PermanentJobError,
    TransientJobError,
  };
}

describe('the registry', () => {
  test('holds email, sms and cleanup, each once', () => {
    expect(jobTypes.map((type) => type.name)).toEqual(['email', 'sms', 'cleanup']);
  });
});

describe('email', () => {
  test('is sent with its recipient, subject and body on the attempt it is, and reports where it went', async () => {
    const sent: unknown[] = [];
    const sender = {
      send: async (message: unknown, call: ProviderCall) => {
        sent.push([message, call]);
        return { messageId: 'email-1' };
      },
    };
    const result = await email.process(
      { to: 'ada@example.com', subject: 'Hi', body: 'Hello' },
      contextWith({ sender }, 2),
    );
    expect(sent).toEqual([
      [
        { to: 'ada@example.com', subject: 'Hi', body: 'Hello' },
        { attempt: 2, idempotencyKey: 'job-1:1' },
      ],
    ]);
    expect(result).toEqual({ messageId: 'email-1', deliveredTo: 'ada@example.com' });
  });

  test('a provider failure propagates unchanged, so the worker can classify it', async () => {
    const bounce = new PermanentJobError('Hard bounce');
    const sender = {
      send: async () => {
        throw bounce;
      },
    };
    await expect(email.process({ to: 'a@example.com', subject: 'S', body: 'B' }, contextWith({ sender }))).rejects.toBe(
      bounce,
    );
  });

  test.each(['Hi\r\nBcc: victim@example.com', 'Hi\nthere', 'Hi\rthere'])(
    'a subject with a line break (%p) is refused: header injection',
    (subject) => {
      expect(() => parseSubmission(email.payload, { to: 'a@example.com', subject, body: 'B' }, new Date())).toThrow(
        expect.objectContaining({
          fields: [{ field: 'subject', message: 'must not contain line breaks' }],
        }) as Error,
      );
    },
  );

  test('hides the body and shows the recipient partly', () => {
    expect(email.sensitiveFields).toEqual(['body']);
    expect(email.recipientFields).toEqual(['to']);
  });

  test('the simulated sender is the default provider', () => {
    expect(email.providers(simulatedMessageSenders()).sender.constructor.name).toBe('SimulatedEmailSender');
  });
});

describe('sms', () => {
  test('is sent with its number and message and reports where it went', async () => {
    const sent: unknown[] = [];
    const sender = {
      send: async (message: unknown, call: ProviderCall) => {
        sent.push([message, call]);
        return { messageId: 'sms-1' };
      },
    };
    const result = await sms.process({ phone: '+14155550123', message: 'code' }, contextWith({ sender }, 3));
    expect(sent).toEqual([
      [
        { phone: '+14155550123', message: 'code' },
        { attempt: 3, idempotencyKey: 'job-1:1' },
      ],
    ]);
    expect(result).toEqual({ messageId: 'sms-1', deliveredTo: '+14155550123' });
  });
});

describe('cleanup', () => {
  test('runs its task and reports how much it removed', async () => {
    const runs: unknown[] = [];
    const cleaner = {
      run: async (request: unknown, call: ProviderCall) => {
        runs.push([request, call]);
        return { removed: 7 };
      },
    };
    const payload = { task: 'expire_sessions', simulateFailures: 1 } as const;
    expect(await cleanup.process(payload, contextWith({ cleaner }))).toEqual({ task: 'expire_sessions', removed: 7 });
    expect(runs).toEqual([[payload, { attempt: 1, idempotencyKey: 'job-1:1' }]]);
  });

  test('is scheduled daily at 00:00 UTC with delete_temp', () => {
    expect(cleanup.schedules).toEqual([
      { name: 'daily-cleanup', cron: { minute: '0', hour: '0' }, payload: { task: 'delete_temp' } },
    ]);
  });

  test('accepts exactly the tasks the cleaner knows', () => {
    const parse = (task: string) => () => parseSubmission(cleanup.payload, { task }, new Date());
    for (const task of ['delete_temp', 'remove_old_logs', 'expire_sessions']) expect(parse(task)).not.toThrow();
    expect(parse('drop_tables')).toThrow();
  });
});

describe('results as stored', () => {
  test.each([
    ['email', { to: 'ravi@example.com', subject: 'Hi', body: 'Hello' }, 'r***@example.com'],
    ['sms', { phone: '+919876549999', message: 'Hello' }, '+91******9999'],
  ])('a %s result names its recipient only masked', async (type, payload, masked) => {
    const job = aJob(type, { payload });
    const result = await builtInJobTypes().get(type).run(job, {
      log: silentLog,
      signal: new AbortController().signal,
      senders: simulatedMessageSenders(),
    });
    expect(result).toEqual({ messageId: expect.any(String), deliveredTo: masked });
  });
});

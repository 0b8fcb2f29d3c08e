import { PermanentJobError } from '../../src/jobs/errors/permanent-job-error';
import { createProcessors, type Providers } from '../../src/jobs/processors/create-processors';
import type { CleanupRequest } from '../../src/jobs/providers/cleaner';
import type { EmailMessage } from '../../src/jobs/providers/email-sender';
import type { SmsMessage } from '../../src/jobs/providers/sms-sender';

interface Recorded {
  email: [EmailMessage, number][];
  sms: [SmsMessage, number][];
  cleanup: [CleanupRequest, number][];
}

function recordingProviders(): { providers: Providers; calls: Recorded } {
  const calls: Recorded = { email: [], sms: [], cleanup: [] };
  const providers: Providers = {
    emailSender: {
      send: async (message, attempt) => {
        calls.email.push([message, attempt]);
        return { messageId: 'email-1' };
      },
    },
    smsSender: {
      send: async (message, attempt) => {
        calls.sms.push([message, attempt]);
        return { messageId: 'sms-1' };
      },
    },
    cleaner: {
      run: async (request, attempt) => {
        calls.cleanup.push([request, attempt]);
        return { removed: 7 };
      },
    },
  };
  return { providers, calls };
}

describe('createProcessors', () => {
  it('an email job is sent with its recipient, subject and body and reports where it went', async () => {
    const { providers, calls } = recordingProviders();
    const result = await createProcessors(providers).email({ to: 'ada@example.com', subject: 'Hi', body: 'Hello' }, 2);
    expect(calls.email).toEqual([[{ to: 'ada@example.com', subject: 'Hi', body: 'Hello' }, 2]]);
    expect(result).toEqual({ messageId: 'email-1', deliveredTo: 'ada@example.com' });
  });

  it('an email provider only receives the fields it needs', async () => {
    const { providers, calls } = recordingProviders();
    await createProcessors(providers).email({ to: 'a@example.com', subject: 'S', body: 'B', extra: 'x' }, 1);
    expect(Object.keys(calls.email[0]?.[0] ?? {}).sort()).toEqual(['body', 'subject', 'to']);
  });

  it('an sms job is sent with its number and message and reports where it went', async () => {
    const { providers, calls } = recordingProviders();
    const result = await createProcessors(providers).sms({ phone: '+14155550123', message: 'code', extra: 1 }, 3);
    expect(calls.sms).toEqual([[{ phone: '+14155550123', message: 'code' }, 3]]);
    expect(result).toEqual({ messageId: 'sms-1', deliveredTo: '+14155550123' });
  });

  it('a cleanup job runs its task and reports how much it removed', async () => {
    const { providers, calls } = recordingProviders();
    const payload = { task: 'expire_sessions', simulateFailures: 1 };
    const result = await createProcessors(providers).cleanup(payload, 1);
    expect(calls.cleanup).toEqual([[payload, 1]]);
    expect(result).toEqual({ task: 'expire_sessions', removed: 7 });
  });

  it('a provider failure propagates unchanged so the worker can classify it', async () => {
    const { providers } = recordingProviders();
    const bounce = new PermanentJobError('Hard bounce');
    providers.emailSender = {
      send: async () => {
        throw bounce;
      },
    };
    await expect(createProcessors(providers).email({ to: 'a@example.com', subject: 'S', body: 'B' }, 1)).rejects.toBe(
      bounce,
    );
  });

  it('each processor uses only its own provider', async () => {
    const { providers, calls } = recordingProviders();
    await createProcessors(providers).sms({ phone: '+14155550123', message: 'x' }, 1);
    expect(calls.email).toEqual([]);
    expect(calls.cleanup).toEqual([]);
  });
});

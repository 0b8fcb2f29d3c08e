import { z } from 'zod';
import {
  DEFAULT_JOB_TYPE_CONFIG,
  defineJobType,
  type MessageSenders,
  type PayloadsOf,
} from '../../src/jobs/define-job-type';
import { PermanentJobError } from '../../src/jobs/errors/permanent-job-error';
import type { Job } from '../../src/jobs/job';
import { JobTypeRegistry, resolveJobTypeConfigs } from '../../src/jobs/job-type-registry';
import { newJob } from '../../src/jobs/new-job';
import { simulatedMessageSenders } from '../../src/jobs/providers/simulated-message-senders';

const greeting = defineJobType({
  name: 'greeting',
  payload: z.strictObject({ name: z.string().min(1), to: z.email(), secret: z.string().optional() }),
  sensitiveFields: ['secret'],
  recipientFields: ['to'],
  config: { maxAttempts: 2, backoff: { capMs: 60_000 } },
  providers: () => ({ prefix: 'Hello' }),
  process: async ({ name, to }, { providers, log }) => {
    log.info(`Greeting ${to}`, { to });
    return { text: `${providers.prefix}, ${name}` };
  },
});

// Payload and processor typed from the one declaration: this line fails to compile if inference breaks.
const typedPayload: PayloadsOf<[typeof greeting]>['greeting'] = { name: 'Ada', to: 'ada@example.com' };

const aGreetingJob = (payload: Record<string, unknown> = typedPayload): Job =>
  newJob({ id: 'job-1', type: 'greeting', payload, maxAttempts: 2, now: new Date('2030-01-01T00:00:00Z') });

describe('defineJobType', () => {
  test('lays the type’s own configuration over the defaults, backoff field by field', () => {
    expect(greeting.config).toEqual({
      ...DEFAULT_JOB_TYPE_CONFIG,
      maxAttempts: 2,
      backoff: { baseMs: DEFAULT_JOB_TYPE_CONFIG.backoff.baseMs, capMs: 60_000 },
    });
  });

  test.each(['Email', '1st', 'has space', 'external', '', 'x'.repeat(41)])('refuses the name %p', (name) => {
    expect(() => defineJobType({ name, payload: z.strictObject({}), process: async () => ({}) })).toThrow(/name/);
  });

  test('refuses a masked field its payload does not have', () => {
    expect(() =>
      defineJobType({
        name: 'typo',
        payload: z.strictObject({ body: z.string() }),
        // @ts-expect-error -- 'bdy' is not a field: the type system says so too
        sensitiveFields: ['bdy'],
        process: async () => ({}),
      }),
    ).toThrow('"bdy" is not a field');
  });
});

describe('JobTypeRegistry', () => {
  test('refuses a type declared twice', () => {
    expect(() => new JobTypeRegistry([greeting, greeting])).toThrow('declared twice');
  });

  test('refuses a deployment configuration that does not name exactly its types', () => {
    expect(() => new JobTypeRegistry([greeting], {})).toThrow('No configuration for job type greeting');
    expect(() => new JobTypeRegistry([greeting], { greeting: greeting.config, fax: DEFAULT_JOB_TYPE_CONFIG })).toThrow(
      'fax',
    );
  });

  test('a processor runs with its providers, a context keyed to the job, and masked log lines', async () => {
    const lines: [string, Record<string, unknown>][] = [];
    const log = {
      info: (message: string, attributes: Record<string, unknown> = {}) => lines.push([message, attributes]),
    };
    const registry = new JobTypeRegistry([greeting]);
    const signal = new AbortController().signal;
    const result = await registry.get('greeting').run(aGreetingJob(), {
      log: { ...log, warn: log.info, error: log.info },
      signal,
      senders: simulatedMessageSenders(),
    });
    expect(result).toEqual({ text: 'Hello, Ada' });
    expect(lines).toEqual([
      ['Greeting a***@example.com', { to: 'a***@example.com', jobId: 'job-1', type: 'greeting', attempt: 0 }],
    ]);
  });

  test('providers are built once, on first use', async () => {
    let built = 0;
    const counted = defineJobType({
      name: 'counted',
      payload: z.strictObject({}),
      providers: () => ({ id: ++built }),
      process: async (_payload, { providers }) => ({ id: providers.id }),
    });
    const registry = new JobTypeRegistry([counted]);
    expect(built).toBe(0);
    const options = {
      log: { info: () => {}, warn: () => {}, error: () => {} },
      signal: new AbortController().signal,
      senders: simulatedMessageSenders(),
    };
    const job = newJob({ id: 'j', type: 'counted', payload: {}, maxAttempts: 1, now: new Date() });
    await registry.get('counted').run(job, options);
    expect(await registry.get('counted').run(job, options)).toEqual({ id: 1 });
  });

  test('providers build on the senders the worker gives, each channel only when asked for', async () => {
    const sent: string[] = [];
    const asked: string[] = [];
    const senders: MessageSenders = {
      email: () => {
        asked.push('email');
        return { send: async ({ to }) => (sent.push(to), { messageId: 'm-1' }) };
      },
      sms: () => {
        asked.push('sms');
        throw new Error('an email type must not build the SMS sender');
      },
    };
    const mailer = defineJobType({
      name: 'mailer',
      payload: z.strictObject({ to: z.string() }),
      messageChannels: ['email'],
      providers: ({ email }) => ({ sender: email() }),
      process: async ({ to }, { providers }) =>
        providers.sender.send({ to, subject: 's', body: 'b' }, { attempt: 1, idempotencyKey: 'k' }),
    });
    const job = newJob({ id: 'j', type: 'mailer', payload: { to: 'a@example.com' }, maxAttempts: 1, now: new Date() });
    const result = await new JobTypeRegistry([mailer]).get('mailer').run(job, {
      log: { info: () => {}, warn: () => {}, error: () => {} },
      signal: new AbortController().signal,
      senders,
    });
    expect(result).toEqual({ messageId: 'm-1' });
    expect(sent).toEqual(['a@example.com']);
    expect(asked).toEqual(['email']);
  });

  test('the context carries the abort signal and the error classes', async () => {
    const seen: unknown[] = [];
    const probe = defineJobType({
      name: 'probe',
      payload: z.strictObject({}),
      process: async (_payload, context) => {
        seen.push(context.signal, context.PermanentJobError);
        throw new context.PermanentJobError('no');
      },
    });
    const controller = new AbortController();
    const job = newJob({ id: 'j', type: 'probe', payload: {}, maxAttempts: 1, now: new Date() });
    const run = new JobTypeRegistry([probe]).get('probe').run(job, {
      log: { info: () => {}, warn: () => {}, error: () => {} },
      signal: controller.signal,
      senders: simulatedMessageSenders(),
    });
    await expect(run).rejects.toBeInstanceOf(PermanentJobError);
    expect(seen).toEqual([controller.signal, PermanentJobError]);
  });

  test('describes each type for GET /job-types: input JSON Schema, masked fields, configuration', () => {
    const [description] = new JobTypeRegistry([greeting]).describe();
    expect(description).toEqual({
      name: 'greeting',
      payloadSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1 },
          to: expect.objectContaining({ type: 'string', format: 'email' }),
          secret: { type: 'string' },
        },
        required: ['name', 'to'],
        additionalProperties: false,
      },
      sensitiveFields: ['secret'],
      recipientFields: ['to'],
      config: greeting.config,
    });
  });

  test('masks jobs of its types and leaves others (external) alone', () => {
    const registry = new JobTypeRegistry([greeting]);
    expect(registry.maskJob(aGreetingJob({ name: 'Ada', to: 'ada@example.com', secret: 'pin' })).payload).toEqual({
      name: 'Ada',
      to: 'a***@example.com',
      secret: '***',
    });
    const external = { ...aGreetingJob({ to: 'ada@example.com' }), type: 'external' };
    expect(registry.maskJob(external).payload).toEqual({ to: 'ada@example.com' });
  });
});

describe('resolveJobTypeConfigs', () => {
  test('a deployment’s override is laid over the type’s own configuration', () => {
    expect(resolveJobTypeConfigs([greeting], { greeting: { timeoutSeconds: 90, backoff: { baseMs: 500 } } })).toEqual({
      greeting: { ...greeting.config, timeoutSeconds: 90, backoff: { baseMs: 500, capMs: 60_000 } },
    });
  });

  test('refuses an override of an undeclared type, and one that breaks a limit', () => {
    expect(() => resolveJobTypeConfigs([greeting], { fax: {} })).toThrow('fax');
    expect(() => resolveJobTypeConfigs([greeting], { greeting: { memorySize: 64 } })).toThrow('memorySize');
  });
});

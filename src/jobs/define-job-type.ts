import type * as z from 'zod';
import { PermanentJobError } from './errors/permanent-job-error';
import { TransientJobError } from './errors/transient-job-error';
import type { JobTypeConfig, JobTypeConfigOverride } from './job-type-config';
import type { JobLog } from './ports/job-log';
import type { EmailSender } from './providers/email-sender';
import type { SmsSender } from './providers/sms-sender';

/** What a processor gets besides its payload. */
export interface JobContext<Providers = undefined> {
  readonly jobId: string;
  readonly type: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * `<jobId>:<round>`, the same for every attempt of this run of the job: pass it to a provider
   * that takes an idempotency token, so an attempt that runs again after a crash (the provider
   * answered, the completion was not recorded yet) does not deliver twice.
   */
  readonly idempotencyKey: string;
  /** Already keyed with jobId, type and attempt; sensitive and recipient values are masked in every line. */
  readonly log: JobLog;
  /**
   * Aborts shortly before the function's own timeout: stop, and the attempt is recorded as a transient
   * failure and retried, rather than the worker being killed with the job still leased.
   */
  readonly signal: AbortSignal;
  /** What `providers()` built, once per execution environment. */
  readonly providers: Providers;
  /** Throw one of these to fail the job at once (no retry can fix it)… */
  readonly PermanentJobError: typeof PermanentJobError;
  /** …or to have the attempt retried with backoff. Any other error counts as transient too. */
  readonly TransientJobError: typeof TransientJobError;
}

/** A scheduled submission of a job type, e.g. a daily cleanup. */
export interface JobSchedule<Payload = Record<string, unknown>> {
  /** Names the schedule; scheduled job ids are `<name>-<period>`, so one period never makes two jobs. */
  readonly name: string;
  /** EventBridge cron fields, in UTC; omitted fields are `*` (day-of-week `?`). */
  readonly cron: {
    readonly minute?: string;
    readonly hour?: string;
    readonly day?: string;
    readonly month?: string;
    readonly weekDay?: string;
  };
  /** What every scheduled job is submitted with. */
  readonly payload: Payload;
}

type FieldOf<Schema extends z.ZodObject> = Extract<keyof z.output<Schema>, string>;

export interface JobTypeDeclaration<
  Name extends string,
  Schema extends z.ZodObject,
  Providers,
  Result extends Record<string, unknown>,
> {
  /** Lower-case letters, digits and dashes; it names the route (`POST /jobs/<name>`), the queue and the worker. */
  readonly name: Name;
  /** What a submission must contain; `POST /jobs/<name>` answers 400 naming each invalid field. */
  readonly payload: Schema;
  /** Never leave the system: masked as `***` in API answers, listings, log lines and error messages. */
  readonly sensitiveFields?: readonly FieldOf<Schema>[];
  /** Addresses and numbers, shown masked (`r***@example.com`, `+91******9999`) wherever the job is shown or logged. */
  readonly recipientFields?: readonly FieldOf<Schema>[];
  /** Overrides of {@link DEFAULT_JOB_TYPE_CONFIG}; a deployment may override again per type. */
  readonly config?: JobTypeConfigOverride;
  /** Scheduled submissions of this type (EventBridge rules). Default none. */
  readonly schedules?: readonly JobSchedule<z.input<Schema>>[];
  /**
   * Builds the clients the processor uses (an HTTP agent, an SDK client), once per execution
   * environment, in the type's worker only. `senders` are the deployment's message channels, as
   * configured (SES or SNS, else the simulators): `({ email }) => ({ sender: email() })`.
   */
  readonly providers?: (senders: MessageSenders) => Providers;
  /**
   * The deployment's message channels this type sends through: its worker gets that channel's
   * settings and exactly its send permission (SES for `email`, SNS for `sms`). Default none.
   */
  readonly messageChannels?: readonly MessageChannel[];
  /** Runs one attempt; what it returns is stored as the job's result. */
  readonly process: (payload: z.output<Schema>, context: JobContext<Providers>) => Promise<Result>;
}

/** A declared job type: everything the stack, the API, the workers and the client derive per type. */
export interface JobTypeDefinition<
  Name extends string = string,
  Schema extends z.ZodObject = z.ZodObject,
  Providers = unknown,
  Result extends Record<string, unknown> = Record<string, unknown>,
> {
  readonly name: Name;
  readonly payload: Schema;
  readonly sensitiveFields: readonly string[];
  readonly recipientFields: readonly string[];
  /** The type's own configuration, defaults applied (before a deployment's overrides). */
  readonly config: JobTypeConfig;
  readonly schedules: readonly JobSchedule[];
  readonly providers: (senders: MessageSenders) => Providers;
  readonly messageChannels: readonly MessageChannel[];
  readonly process: (payload: z.output<Schema>, context: JobContext<Providers>) => Promise<Result>;
}

/** A message provider a deployment configures once (SES for email, SNS for SMS) for the types that use it. */
export type MessageChannel = 'email' | 'sms';

/**
 * The senders of the deployment's message channels, each built when called. Workers supply them
 * (lambdas/commons/consumer-dependencies.ts), so a job type's module imports no SES or SNS client,
 * and the functions that only validate, list or describe job types do not bundle one.
 */
export interface MessageSenders {
  readonly email: () => EmailSender;
  readonly sms: () => SmsSender;
}

/** Any job type, whatever its payload and providers: what registries hold. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the processor's parameter types vary per type
export type AnyJobTypeDefinition = JobTypeDefinition<string, z.ZodObject, any, Record<string, unknown>>;

/** The submission body each type accepts, by name: `PayloadsOf<typeof jobTypes>['email']`. */
export type PayloadsOf<Types extends readonly AnyJobTypeDefinition[]> = {
  [Type in Types[number] as Type['name']]: z.input<Type['payload']>;
};

/** Used where a type's own configuration leaves a field out. */
export const DEFAULT_JOB_TYPE_CONFIG: JobTypeConfig = {
  maxAttempts: 5,
  backoff: { baseMs: 1_000, capMs: 15 * 60 * 1000 },
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  maxConcurrency: 5,
  timeoutSeconds: 30,
  memorySize: 512,
};

export const JOB_TYPE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/** Names the API or the stack already use for something else. */
const RESERVED_NAMES = new Set(['external']);

/** Applies `override` over `base`, backoff field by field. */
export function mergeJobTypeConfig(base: JobTypeConfig, override: JobTypeConfigOverride = {}): JobTypeConfig {
  return { ...base, ...override, backoff: { ...base.backoff, ...override.backoff } };
}

/**
 * Declares a job type in one place: its name, payload schema, masking, configuration and
 * processor. The processor's payload type is inferred from the schema.
 *
 * ```ts
 * export const greeting = defineJobType({
 *   name: 'greeting',
 *   payload: z.strictObject({ name: z.string().min(1) }),
 *   process: async ({ name }, { log }) => {
 *     log.info('Greeting', { name });
 *     return { text: `Hello, ${name}` };
 *   },
 * });
 * ```
 */
export function defineJobType<
  const Name extends string,
  Schema extends z.ZodObject,
  Result extends Record<string, unknown>,
  Providers = undefined,
>(
  declaration: JobTypeDeclaration<Name, Schema, Providers, Result>,
): JobTypeDefinition<Name, Schema, Providers, Result> {
  const { name } = declaration;
  if (!JOB_TYPE_NAME_PATTERN.test(name) || RESERVED_NAMES.has(name)) {
    throw new Error(
      `Job type name "${name}" must be 1–40 lower-case letters, digits or dashes, start with a letter, and not be "external"`,
    );
  }
  const fields = Object.keys(declaration.payload.shape);
  for (const field of [...(declaration.sensitiveFields ?? []), ...(declaration.recipientFields ?? [])]) {
    if (!fields.includes(field)) throw new Error(`Job type ${name}: "${field}" is not a field of its payload`);
  }
  return {
    name,
    payload: declaration.payload,
    sensitiveFields: declaration.sensitiveFields ?? [],
    recipientFields: declaration.recipientFields ?? [],
    config: mergeJobTypeConfig(DEFAULT_JOB_TYPE_CONFIG, declaration.config),
    schedules: (declaration.schedules ?? []) as readonly JobSchedule[],
    providers: declaration.providers ?? (() => undefined as Providers),
    messageChannels: declaration.messageChannels ?? [],
    process: declaration.process,
  };
}

export { PermanentJobError, TransientJobError };

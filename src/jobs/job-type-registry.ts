import * as z from 'zod';
import {
  PermanentJobError,
  TransientJobError,
  type AnyJobTypeDefinition,
  type JobContext,
  type JobSchedule,
  type MessageChannel,
  type MessageSenders,
} from './define-job-type';
import type { Job } from './job';
import { providerIdempotencyKey } from './job-rounds';
import {
  assertValidJobTypeConfig,
  type JobTypeConfig,
  type JobTypeConfigOverride,
  type JobTypeConfigs,
} from './job-type-config';
import { maskJob, maskText, maskValue, NO_MASKING, type JobMasking } from './mask-job';
import { mergeJobTypeConfig } from './define-job-type';
import type { JobLog } from './ports/job-log';

/** What `GET /job-types` answers for each type. */
export interface JobTypeDescription {
  name: string;
  /** JSON Schema (draft 2020-12) of a submission's payload, as the API accepts it. */
  payloadSchema: Record<string, unknown>;
  sensitiveFields: string[];
  recipientFields: string[];
  config: JobTypeConfig;
}

/** What one attempt is run with, besides the job. */
export interface RunOptions {
  log: JobLog;
  /** Aborts before the function's own timeout. */
  signal: AbortSignal;
  /** Given to the type's `providers()` the first time one of its jobs runs. */
  senders: MessageSenders;
}

/** A job type of one deployment: its declaration and its configuration with the deployment's overrides. */
export class RegisteredJobType {
  private providerInstance: { value: unknown } | undefined;

  constructor(
    readonly definition: AnyJobTypeDefinition,
    readonly config: JobTypeConfig,
  ) {}

  get name(): string {
    return this.definition.name;
  }

  get masking(): JobMasking {
    return this.definition;
  }

  get messageChannels(): readonly MessageChannel[] {
    return this.definition.messageChannels;
  }

  /**
   * Runs one attempt of `job`, with a context keyed to it and logging masked; the result comes back
   * masked. Providers are built on first use and kept.
   */
  async run(job: Job, options: RunOptions): Promise<Record<string, unknown>> {
    this.providerInstance ??= { value: this.definition.providers(options.senders) };
    const keys = { jobId: job.id, type: job.type, attempt: job.attempts };
    const mask = (value: unknown) => maskValue(this.definition, job.payload, value);
    const line =
      (write: JobLog['info']) =>
      (message: string, attributes: Record<string, unknown> = {}) =>
        write(maskText(this.definition, job.payload, message), {
          ...(mask(attributes) as Record<string, unknown>),
          ...keys,
        });
    const context: JobContext<unknown> = {
      jobId: job.id,
      type: job.type,
      attempt: job.attempts,
      idempotencyKey: providerIdempotencyKey(job),
      log: { info: line(options.log.info), warn: line(options.log.warn), error: line(options.log.error) },
      signal: options.signal,
      providers: this.providerInstance.value,
      PermanentJobError,
      TransientJobError,
    };
    // The payload was validated on submission; parsing again would re-apply transforms.
    const result = await this.definition.process(job.payload, context);
    // Stored and shown as it is, so a result that echoes the payload (`deliveredTo`) keeps no recipient.
    return mask(result) as Record<string, unknown>;
  }

  /** An error message as it may be stored and shown: the payload's sensitive values masked. */
  maskMessage(job: Job, message: string): string {
    return maskText(this.definition, job.payload, message);
  }

  describe(): JobTypeDescription {
    return {
      name: this.name,
      payloadSchema: z.toJSONSchema(this.definition.payload, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >,
      sensitiveFields: [...this.definition.sensitiveFields],
      recipientFields: [...this.definition.recipientFields],
      config: this.config,
    };
  }
}

/** A scheduled submission with the type it submits. */
export interface RegisteredSchedule extends JobSchedule {
  type: string;
}

/**
 * The job types of one deployment, by name: what validation, masking, the workers and the API
 * read. `configs` are the deployment's resolved configurations (JOB_TYPE_CONFIGS at run time);
 * they must name exactly the registry's types, so a stale bundle fails at cold start, not per job.
 */
export class JobTypeRegistry {
  private readonly types: ReadonlyMap<string, RegisteredJobType>;

  constructor(definitions: readonly AnyJobTypeDefinition[], configs?: JobTypeConfigs) {
    const types = new Map<string, RegisteredJobType>();
    for (const definition of definitions) {
      if (types.has(definition.name)) throw new Error(`Job type ${definition.name} is declared twice`);
      const config = configs ? configs[definition.name] : definition.config;
      if (!config) throw new Error(`No configuration for job type ${definition.name}: the deployment is out of date`);
      assertValidJobTypeConfig(definition.name, config);
      types.set(definition.name, new RegisteredJobType(definition, config));
    }
    for (const name of Object.keys(configs ?? {})) {
      if (!types.has(name)) throw new Error(`The deployment configures job type ${name}, which is not declared`);
    }
    this.types = types;
  }

  get names(): string[] {
    return [...this.types.keys()];
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  find(name: string): RegisteredJobType | undefined {
    return this.types.get(name);
  }

  /** For a name known to be registered (checked on the way in); throws otherwise. */
  get(name: string): RegisteredJobType {
    const type = this.types.get(name);
    if (!type) throw new Error(`Unknown job type ${name}`);
    return type;
  }

  get configs(): JobTypeConfigs {
    return Object.fromEntries([...this.types].map(([name, type]) => [name, type.config]));
  }

  /** The job as the API shows it; jobs of other types (external) have nothing to mask. */
  maskJob(job: Job): Omit<Job, 'expiresAt'> {
    return maskJob(job, this.types.get(job.type)?.masking ?? NO_MASKING);
  }

  describe(): JobTypeDescription[] {
    return [...this.types.values()].map((type) => type.describe());
  }

  schedules(): RegisteredSchedule[] {
    return [...this.types.values()].flatMap((type) =>
      type.definition.schedules.map((schedule) => ({ ...schedule, type: type.name })),
    );
  }
}

/** The deployment's configuration of every type: each type's own, then the deployment's override; validated. */
export function resolveJobTypeConfigs(
  definitions: readonly AnyJobTypeDefinition[],
  overrides: Readonly<Record<string, JobTypeConfigOverride>> = {},
): JobTypeConfigs {
  const names = new Set(definitions.map((definition) => definition.name));
  for (const name of Object.keys(overrides)) {
    if (!names.has(name)) throw new Error(`Override for job type ${name}, which is not declared`);
  }
  const configs: Record<string, JobTypeConfig> = {};
  for (const definition of definitions) {
    const config = mergeJobTypeConfig(definition.config, overrides[definition.name]);
    assertValidJobTypeConfig(definition.name, config);
    configs[definition.name] = config;
  }
  return configs;
}

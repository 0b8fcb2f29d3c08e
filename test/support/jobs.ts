import { randomUUID } from 'node:crypto';
import { jobTypes } from '../../src/job-types';
import type { AnyJobTypeDefinition } from '../../src/jobs/define-job-type';
import type { Job, JobType } from '../../src/jobs/job';
import { JobTypeRegistry } from '../../src/jobs/job-type-registry';
import { newJob } from '../../src/jobs/new-job';
import { InMemoryJobQueue } from '../../src/jobs/in-memory/in-memory-job-queue';
import type { JobsRepository } from '../../src/jobs/ports/jobs-repository';
import type { HandleJobMessageDeps } from '../../src/jobs/use-cases/handle-job-message';
import { simulatedMessageSenders } from '../../src/jobs/providers/simulated-message-senders';

const payloads: Record<string, Record<string, unknown>> = {
  email: { to: 'success@simulator.amazonses.com', subject: 'Hi', body: 'Hello' },
  sms: { phone: '+14155550123', message: 'Hello' },
  cleanup: { task: 'delete_temp' },
};

export function aJob(type: JobType = 'email', overrides: Partial<Job> = {}): Job {
  return {
    ...newJob({ id: randomUUID(), type, payload: payloads[type] ?? {}, maxAttempts: 3, now: new Date() }),
    ...overrides,
  };
}

export const silentLog = { info: () => {}, warn: () => {}, error: () => {} };

/** This repository's job types with their own configuration. */
export const builtInJobTypes = (): JobTypeRegistry => new JobTypeRegistry(jobTypes);

type Process = AnyJobTypeDefinition['process'];
type Context = Parameters<Process>[1];

/** A test's stand-in for a type's processor, given the real one to call when it wants. */
export type ProcessOverride = (
  payload: Record<string, unknown>,
  context: Context,
  real: Process,
) => Promise<Record<string, unknown>>;

/**
 * The built-in job types with each processor wrapped: `onRun` sees every run, and a test may put
 * its own processor in `overrides[type]` for as long as it needs.
 */
export function instrumentedJobTypes(onRun: (type: string, payload: Record<string, unknown>) => void = () => {}) {
  const overrides: Record<string, ProcessOverride | undefined> = {};
  const definitions = jobTypes.map((definition): AnyJobTypeDefinition => ({
    ...definition,
    process: async (payload: Record<string, unknown>, context: Context) => {
      onRun(definition.name, payload);
      const real = (definition as AnyJobTypeDefinition).process;
      const override = overrides[definition.name];
      return override ? override(payload, context, real) : real(payload, context);
    },
  }));
  return { registry: new JobTypeRegistry(definitions), overrides };
}

/** What handleJobMessage needs, in memory: this repository, the built-in types recording each run in `runs`. */
export function inMemoryWorker(repository: JobsRepository) {
  const runs: string[] = [];
  const { registry } = instrumentedJobTypes((type) => runs.push(type));
  const deps: HandleJobMessageDeps = {
    repository,
    queue: new InMemoryJobQueue(),
    jobTypes: registry,
    senders: simulatedMessageSenders(),
    log: silentLog,
    clock: () => new Date(),
    leaseSeconds: 180,
  };
  return { runs, deps };
}

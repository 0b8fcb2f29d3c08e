import { JOB_TYPES, type JobType } from '../../src/jobs/job';
import { assertValidJobTypeConfig, type JobTypeConfigs } from '../../src/jobs/job-type-config';

/** Reads a variable the stack must set; a missing one is a deployment bug, so fail the cold start loudly. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** The per-type configuration the CDK stack serialised into JOB_TYPE_CONFIGS. */
export function readJobTypeConfigs(): JobTypeConfigs {
  const configs = JSON.parse(requireEnv('JOB_TYPE_CONFIGS')) as JobTypeConfigs;
  for (const type of JOB_TYPES) assertValidJobTypeConfig(type, configs[type]);
  return configs;
}

/** `EMAIL_QUEUE_URL`, `SMS_QUEUE_URL`, … */
export function queueUrlVariable(type: JobType): string {
  return `${type.toUpperCase()}_QUEUE_URL`;
}

export function readQueueUrls(): Record<JobType, string> {
  return Object.fromEntries(JOB_TYPES.map((type) => [type, requireEnv(queueUrlVariable(type))])) as Record<
    JobType,
    string
  >;
}

/** `EMAIL_DLQ_URL`, `SMS_DLQ_URL`, … */
export function deadLetterQueueUrlVariable(type: JobType): string {
  return `${type.toUpperCase()}_DLQ_URL`;
}

export function readDeadLetterQueueUrls(): Record<JobType, string> {
  return Object.fromEntries(JOB_TYPES.map((type) => [type, requireEnv(deadLetterQueueUrlVariable(type))])) as Record<
    JobType,
    string
  >;
}

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

/** One URL per job type from `EMAIL_<SUFFIX>`, `SMS_<SUFFIX>`, … as the stack sets them. */
function readUrlPerType(suffix: 'QUEUE_URL' | 'DLQ_URL'): Record<JobType, string> {
  return Object.fromEntries(JOB_TYPES.map((type) => [type, requireEnv(`${type.toUpperCase()}_${suffix}`)])) as Record<
    JobType,
    string
  >;
}

export const readQueueUrls = (): Record<JobType, string> => readUrlPerType('QUEUE_URL');
export const readDeadLetterQueueUrls = (): Record<JobType, string> => readUrlPerType('DLQ_URL');

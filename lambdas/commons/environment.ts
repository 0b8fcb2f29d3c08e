import type { JobTypeConfigs } from '../../src/jobs/job-type-config';

/** Reads a variable the stack must set; a missing one is a deployment bug, so fail the cold start loudly. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** The per-type configuration the CDK stack serialised into JOB_TYPE_CONFIGS (validated by the registry). */
export function readJobTypeConfigs(): JobTypeConfigs {
  return JSON.parse(requireEnv('JOB_TYPE_CONFIGS')) as JobTypeConfigs;
}

/** The variable holding a job type's queue URL (`suffix` QUEUE_URL) or DLQ URL (`DLQ_URL`): `EMAIL_QUEUE_URL`, … */
export function queueUrlVariable(type: string, suffix: 'QUEUE_URL' | 'DLQ_URL'): string {
  return `${type.toUpperCase().replace(/-/g, '_')}_${suffix}`;
}

/** One URL per job type, as the stack sets them. */
function readUrlPerType(types: readonly string[], suffix: 'QUEUE_URL' | 'DLQ_URL'): Record<string, string> {
  return Object.fromEntries(types.map((type) => [type, requireEnv(queueUrlVariable(type, suffix))]));
}

export const readQueueUrls = (types: readonly string[]): Record<string, string> => readUrlPerType(types, 'QUEUE_URL');
export const readDeadLetterQueueUrls = (types: readonly string[]): Record<string, string> =>
  readUrlPerType(types, 'DLQ_URL');

/** The variable holding the UUID of a job type's consumer event source mapping: `EMAIL_CONSUMER_MAPPING_ID`, … */
export function consumerMappingVariable(type: string): string {
  return `${type.toUpperCase().replace(/-/g, '_')}_CONSUMER_MAPPING_ID`;
}

export const readConsumerMappingIds = (types: readonly string[]): Record<string, string> =>
  Object.fromEntries(types.map((type) => [type, requireEnv(consumerMappingVariable(type))]));

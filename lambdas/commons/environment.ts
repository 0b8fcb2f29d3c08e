import { isValidShardCount, MAX_INDEX_SHARDS, type JobsTableShards } from '../../src/aws/index-shards';
import type { JobTypeConfigs } from '../../src/jobs/job-type-config';

/** Reads a variable the stack must set; a missing one is a deployment bug, so fail the cold start loudly. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** The variables holding the jobs table's shard counts, as the stack sets them beside JOBS_TABLE_NAME. */
export const JOBS_TABLE_SHARD_VARIABLES = {
  listing: 'JOBS_LISTING_SHARDS',
  due: 'JOBS_DUE_SHARDS',
} as const satisfies Record<keyof JobsTableShards, string>;

/**
 * The shard counts every function that reads or writes jobs keys them with. Required, not
 * defaulted: a function guessing 8 where the stack says 32 would list a quarter of the jobs.
 */
export function readJobsTableShards(): JobsTableShards {
  const count = (variable: string): number => {
    const value = Number(requireEnv(variable));
    if (!isValidShardCount(value)) {
      throw new Error(`Environment variable ${variable} must be a whole number from 1 to ${MAX_INDEX_SHARDS}`);
    }
    return value;
  };
  return { listing: count(JOBS_TABLE_SHARD_VARIABLES.listing), due: count(JOBS_TABLE_SHARD_VARIABLES.due) };
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

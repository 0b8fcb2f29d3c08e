/** Everything that differs between job types, in one typed place read by the CDK stack. */
export interface JobTypeConfig {
  /** Processing attempts before the job ends `failed`. */
  maxAttempts: number;
  /** Exponential backoff with full jitter between attempts. */
  backoff: { baseMs: number; capMs: number };
  /** SQS event source batch size. */
  batchSize: number;
  /** SQS event source batching window. */
  maxBatchingWindowSeconds: number;
  /** SQS event source MaximumConcurrency (2–1000). */
  maxConcurrency: number;
  /** Consumer Lambda timeout; the queue's visibility timeout is six times this. */
  timeoutSeconds: number;
  /** Consumer Lambda memory (MB, 128–10240); CPU grows with it. */
  memorySize: number;
}

/** A partial configuration laid over another: a job type's own, or a deployment's per-type override. */
export type JobTypeConfigOverride = Partial<Omit<JobTypeConfig, 'backoff'>> & {
  readonly backoff?: Partial<JobTypeConfig['backoff']>;
};

/** AWS rejects a visibility timeout beyond 12 hours, so no backoff may exceed it. */
export const MAX_BACKOFF_MS = 12 * 60 * 60 * 1000;

/** Lambda's guidance: queue visibility ≥ 6 × function timeout, so a retried batch is not redelivered mid-run. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * The queue redrives to its DLQ after this many receives beyond `maxAttempts`: a safety net for
 * messages the consumer could not handle at all (unparseable, crashing), not the retry mechanism.
 */
export const DLQ_RECEIVE_MARGIN = 3;

/** The resolved configuration of every job type of a deployment, by type name. */
export type JobTypeConfigs = Readonly<Record<string, JobTypeConfig>>;

export function visibilityTimeoutSeconds(config: JobTypeConfig): number {
  return config.timeoutSeconds * VISIBILITY_TIMEOUT_FACTOR;
}

export function maxReceiveCount(config: JobTypeConfig): number {
  return config.maxAttempts + DLQ_RECEIVE_MARGIN;
}

/** Throws when a configuration would break an AWS limit or a lifecycle guarantee. */
export function assertValidJobTypeConfig(type: string, config: JobTypeConfig): void {
  const problems: string[] = [];
  const integers = [
    'maxAttempts',
    'batchSize',
    'maxBatchingWindowSeconds',
    'maxConcurrency',
    'timeoutSeconds',
    'memorySize',
  ] as const;
  for (const field of integers) {
    if (!Number.isInteger(config[field])) problems.push(`${field} must be a whole number`);
  }
  if (!Number.isFinite(config.backoff.baseMs) || !Number.isFinite(config.backoff.capMs)) {
    problems.push('backoff.baseMs and backoff.capMs must be numbers');
  }
  if (config.maxAttempts < 1) problems.push('maxAttempts must be ≥ 1');
  if (config.backoff.baseMs <= 0) problems.push('backoff.baseMs must be > 0');
  if (config.maxBatchingWindowSeconds < 0 || config.maxBatchingWindowSeconds > 300) {
    problems.push('maxBatchingWindowSeconds must be 0–300');
  }
  if (config.backoff.capMs < config.backoff.baseMs) problems.push('backoff.capMs must be ≥ backoff.baseMs');
  if (config.backoff.capMs > MAX_BACKOFF_MS) problems.push('backoff.capMs must be ≤ 12 h');
  if (config.batchSize < 1 || config.batchSize > 10_000) problems.push('batchSize must be 1–10000');
  if (config.batchSize > 10 && config.maxBatchingWindowSeconds < 1)
    problems.push('batchSize > 10 needs maxBatchingWindowSeconds ≥ 1');
  if (config.maxConcurrency < 2 || config.maxConcurrency > 1000) problems.push('maxConcurrency must be 2–1000');
  if (config.timeoutSeconds < 1 || config.timeoutSeconds > 900) problems.push('timeoutSeconds must be 1–900');
  if (config.memorySize < 128 || config.memorySize > 10_240) problems.push('memorySize must be 128–10240');
  if (visibilityTimeoutSeconds(config) > 43_200) problems.push('6 × timeoutSeconds must be ≤ 12 h');
  if (problems.length > 0) throw new Error(`Invalid configuration for ${type} jobs: ${problems.join('; ')}`);
}

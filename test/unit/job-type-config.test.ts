import { jobTypes } from '../../src/job-types';
import {
  assertValidJobTypeConfig,
  DLQ_RECEIVE_MARGIN,
  MAX_BACKOFF_MS,
  maxReceiveCount,
  visibilityTimeoutSeconds,
  type JobTypeConfig,
} from '../../src/jobs/job-type-config';

const VALID: JobTypeConfig = {
  maxAttempts: 5,
  backoff: { baseMs: 1_000, capMs: 60_000 },
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  maxConcurrency: 5,
  timeoutSeconds: 30,
  memorySize: 512,
};

const withChanges = (changes: Partial<JobTypeConfig>): JobTypeConfig => ({ ...VALID, ...changes });

describe('the built-in job types’ configurations', () => {
  it.each(jobTypes.map((type) => [type.name, type.config] as const))('%s’s is valid', (name, config) => {
    expect(() => assertValidJobTypeConfig(name, config)).not.toThrow();
  });

  it.each(jobTypes.map((type) => [type.name, type.config] as const))(
    '%s messages reach the DLQ only after more receives than attempts',
    (_name, config) => {
      expect(maxReceiveCount(config)).toBeGreaterThan(config.maxAttempts);
    },
  );
});

describe('derived queue settings', () => {
  it('the visibility timeout is six times the function timeout', () => {
    expect(visibilityTimeoutSeconds(withChanges({ timeoutSeconds: 30 }))).toBe(180);
    expect(visibilityTimeoutSeconds(withChanges({ timeoutSeconds: 60 }))).toBe(360);
  });

  it('maxReceiveCount leaves a margin beyond maxAttempts', () => {
    expect(DLQ_RECEIVE_MARGIN).toBeGreaterThan(0);
    expect(maxReceiveCount(withChanges({ maxAttempts: 1 }))).toBe(1 + DLQ_RECEIVE_MARGIN);
    expect(maxReceiveCount(withChanges({ maxAttempts: 5 }))).toBe(5 + DLQ_RECEIVE_MARGIN);
  });
});

describe('assertValidJobTypeConfig', () => {
  it('accepts a valid configuration', () => {
    expect(() => assertValidJobTypeConfig('email', VALID)).not.toThrow();
  });

  it.each<[string, Partial<JobTypeConfig>]>([
    ['maxAttempts must be ≥ 1', { maxAttempts: 0 }],
    ['maxAttempts must be ≥ 1', { maxAttempts: -1 }],
    ['maxAttempts must be a whole number', { maxAttempts: 2.5 }],
    ['maxAttempts must be ≥ 1', { maxAttempts: 0 }],
    ['backoff.baseMs must be > 0', { backoff: { baseMs: 0, capMs: 60_000 } }],
    ['backoff.capMs must be ≥ backoff.baseMs', { backoff: { baseMs: 10_000, capMs: 9_999 } }],
    ['backoff.capMs must be ≤ 12 h', { backoff: { baseMs: 1_000, capMs: MAX_BACKOFF_MS + 1 } }],
    ['batchSize must be 1–10000', { batchSize: 0 }],
    ['batchSize must be 1–10000', { batchSize: 10_001, maxBatchingWindowSeconds: 5 }],
    ['batchSize > 10 needs maxBatchingWindowSeconds ≥ 1', { batchSize: 11, maxBatchingWindowSeconds: 0 }],
    ['maxConcurrency must be 2–1000', { maxConcurrency: 1 }],
    ['maxConcurrency must be 2–1000', { maxConcurrency: 1001 }],
    ['timeoutSeconds must be 1–900', { timeoutSeconds: 0 }],
    ['timeoutSeconds must be 1–900', { timeoutSeconds: 901 }],
    ['memorySize must be 128–10240', { memorySize: 127 }],
    ['memorySize must be 128–10240', { memorySize: 10_241 }],
  ])('rejects a configuration where %s (%p)', (problem, changes) => {
    expect(() => assertValidJobTypeConfig('sms', withChanges(changes))).toThrow(problem);
    expect(() => assertValidJobTypeConfig('sms', withChanges(changes))).toThrow('Invalid configuration for sms jobs');
  });

  it.each<Partial<JobTypeConfig>>([
    { maxAttempts: 1 },
    { backoff: { baseMs: 1, capMs: 1 } },
    { backoff: { baseMs: 1_000, capMs: MAX_BACKOFF_MS } },
    { batchSize: 1 },
    { batchSize: 10_000, maxBatchingWindowSeconds: 1 },
    { maxConcurrency: 2 },
    { maxConcurrency: 1000 },
    { timeoutSeconds: 1 },
    { timeoutSeconds: 900 },
    { memorySize: 128 },
    { memorySize: 10_240 },
  ])('accepts the boundary setting %p', (changes) => {
    expect(() => assertValidJobTypeConfig('sms', withChanges(changes))).not.toThrow();
  });

  it('lists every problem in one error', () => {
    expect(() => assertValidJobTypeConfig('cleanup', withChanges({ maxAttempts: 0, maxConcurrency: 1 }))).toThrow(
      'Invalid configuration for cleanup jobs: maxAttempts must be ≥ 1; maxConcurrency must be 2–1000',
    );
  });

  it('a 900-second timeout keeps the visibility timeout within 12 hours', () => {
    expect(visibilityTimeoutSeconds(withChanges({ timeoutSeconds: 900 }))).toBeLessThanOrEqual(43_200);
  });
});

describe('settings AWS would only reject at deploy time', () => {
  const base = VALID;
  it.each([
    ['a batching window over 300 s', { ...base, maxBatchingWindowSeconds: 301 }, /maxBatchingWindowSeconds/],
    ['a negative batching window', { ...base, maxBatchingWindowSeconds: -1 }, /maxBatchingWindowSeconds/],
    ['a fractional timeout', { ...base, timeoutSeconds: 1.5 }, /timeoutSeconds must be a whole number/],
    ['a NaN backoff base', { ...base, backoff: { baseMs: Number.NaN, capMs: 1000 } }, /backoff/],
  ])('%s is refused', (_label, config, message) => {
    expect(() => assertValidJobTypeConfig('email', config)).toThrow(message);
  });
});

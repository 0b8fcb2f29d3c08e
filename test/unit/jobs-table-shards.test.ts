import { readJobsTableShards } from '../../lambdas/commons/environment';
import { indexShardOf } from '../../src/aws/index-shards';

describe('the jobs table shard counts a function reads at cold start', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('are the stack’s numbers', () => {
    Object.assign(process.env, { JOBS_LISTING_SHARDS: '32', JOBS_DUE_SHARDS: '16' });
    expect(readJobsTableShards()).toEqual({ listing: 32, due: 16 });
  });

  test('fail the cold start, naming the variable, when missing or not a count from 1 to 100', () => {
    delete process.env.JOBS_LISTING_SHARDS;
    process.env.JOBS_DUE_SHARDS = '16';
    expect(() => readJobsTableShards()).toThrow('Environment variable JOBS_LISTING_SHARDS is not set');
    for (const bad of ['0', '8.5', 'eight', '101']) {
      Object.assign(process.env, { JOBS_LISTING_SHARDS: '8', JOBS_DUE_SHARDS: bad });
      expect(() => readJobsTableShards()).toThrow('JOBS_DUE_SHARDS must be a whole number from 1 to 100');
    }
  });
});

describe('a job’s index shard', () => {
  test('is stable, below the count, and spreads ids evenly', () => {
    const ids = Array.from({ length: 4_000 }, (_, n) => `job-${n}`);
    const counts = new Map<string, number>();
    for (const id of ids) {
      const shard = indexShardOf(id, 8);
      expect(indexShardOf(id, 8)).toBe(shard);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    for (const count of counts.values()) expect(Math.abs(count - 500)).toBeLessThan(100);
  });
});

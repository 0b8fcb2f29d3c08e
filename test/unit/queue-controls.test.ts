import { MatchCountChangedError } from '../../src/jobs/errors/match-count-changed-error';
import { ValidationError } from '../../src/jobs/errors/validation-error';
import type { Job } from '../../src/jobs/job';
import { transition } from '../../src/jobs/job-state-machine';
import { InMemoryJobListing } from '../../src/jobs/in-memory/in-memory-job-listing';
import { InMemoryJobQueue } from '../../src/jobs/in-memory/in-memory-job-queue';
import { InMemoryJobsRepository } from '../../src/jobs/in-memory/in-memory-jobs-repository';
import { InMemoryQueueConsumers } from '../../src/jobs/in-memory/in-memory-queue-consumers';
import { newJob } from '../../src/jobs/new-job';
import { queueConsumption, setQueuePaused } from '../../src/jobs/use-cases/queue-controls';
import {
  BULK_RETRY_BATCH_SIZE,
  parseBulkRetryRequest,
  retryFailedJobs,
  type RetryFailedJobsDeps,
} from '../../src/jobs/use-cases/retry-failed-jobs';
import { builtInJobTypes, silentLog } from '../support/jobs';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const TYPES = ['email', 'sms', 'cleanup'];

describe('pausing and resuming a queue', () => {
  test('a pause is answered Disabling (paused), settles to Disabled; a resume goes back to Enabled', async () => {
    const deps = { consumers: new InMemoryQueueConsumers(TYPES), log: silentLog };
    expect(await queueConsumption(deps, 'email')).toEqual({ type: 'email', paused: false, consumerState: 'Enabled' });
    expect(await setQueuePaused(deps, 'email', true)).toEqual({
      type: 'email',
      paused: true,
      consumerState: 'Disabling',
    });
    expect(await queueConsumption(deps, 'email')).toMatchObject({ paused: true, consumerState: 'Disabled' });
    expect(await queueConsumption(deps, 'sms')).toMatchObject({ paused: false });
    expect(await setQueuePaused(deps, 'email', true)).toMatchObject({ consumerState: 'Disabled' });
    expect(await setQueuePaused(deps, 'email', false)).toMatchObject({ paused: false, consumerState: 'Enabling' });
    expect(await queueConsumption(deps, 'email')).toMatchObject({ paused: false, consumerState: 'Enabled' });
  });
});

describe('bulk retry of failed jobs', () => {
  let seq = 0;
  function failed(kind: 'permanent' | 'timeout', minutesAgo = 0): Job {
    const at = new Date(NOW.getTime() - minutesAgo * 60_000);
    const job = newJob({
      id: `job-${String(++seq).padStart(4, '0')}`,
      type: 'email',
      payload: { to: 'a@example.com', subject: 's', body: 'b' },
      maxAttempts: 3,
      now: new Date(at.getTime() - 1000 - seq),
    });
    const processing = transition(job, 'processing', at, { attempts: 1 });
    return transition(processing, 'failed', at, { error: { kind, message: 'x' } });
  }
  async function harness(jobs: Job[]) {
    const repository = new InMemoryJobsRepository();
    for (const job of jobs) await repository.create(job);
    const queue = new InMemoryJobQueue();
    const deps: RetryFailedJobsDeps = {
      repository,
      queue,
      listing: new InMemoryJobListing(repository),
      jobTypes: builtInJobTypes(),
      log: silentLog,
      clock: () => NOW,
    };
    return { repository, deps };
  }
  const request = (body: unknown) => parseBulkRetryRequest(body, TYPES);

  test('a dry run counts by type and error kind; a retry needs the count, and retries only the matches', async () => {
    const { repository, deps } = await harness([failed('permanent'), failed('permanent'), failed('timeout')]);
    const filter = { type: 'email', errorKind: 'permanent' };
    expect(await retryFailedJobs(deps, request({ filter, dryRun: true }))).toEqual({ matched: 2, dryRun: true });
    await expect(retryFailedJobs(deps, request({ filter, expect: 3 }))).rejects.toBeInstanceOf(MatchCountChangedError);
    const result = await retryFailedJobs(deps, request({ filter, expect: 2 }));
    expect(result).toMatchObject({ matched: 2, remaining: 0, skipped: [] });
    expect(result.retried).toHaveLength(2);
    for (const id of result.retried ?? []) expect((await repository.get(id))?.status).toBe('queued');
    expect(await retryFailedJobs(deps, request({ filter: { type: 'email' }, dryRun: true }))).toEqual({
      matched: 1,
      dryRun: true,
    });
  });

  test('a time range selects by when the job failed', async () => {
    const { deps } = await harness([failed('permanent', 60), failed('permanent', 5), failed('permanent', 1)]);
    const filter = {
      type: 'email',
      failedAfter: new Date(NOW.getTime() - 10 * 60_000).toISOString(),
      failedBefore: new Date(NOW.getTime() - 2 * 60_000).toISOString(),
    };
    expect(await retryFailedJobs(deps, request({ filter, dryRun: true }))).toMatchObject({ matched: 1 });
  });

  test('batches are bounded; the cursor continues after the batch and the next count is what remains', async () => {
    const jobs = Array.from({ length: BULK_RETRY_BATCH_SIZE + 7 }, () => failed('permanent'));
    const { deps } = await harness(jobs);
    const filter = { type: 'email' };
    const first = await retryFailedJobs(deps, request({ filter, expect: jobs.length }));
    expect(first.retried?.length).toBeLessThanOrEqual(BULK_RETRY_BATCH_SIZE);
    expect(first.remaining).toBe(jobs.length - (first.retried?.length ?? 0));
    expect(first.cursor).toBeDefined();
    const second = await retryFailedJobs(deps, request({ filter, expect: first.remaining, cursor: first.cursor }));
    expect(second).toMatchObject({ remaining: 0 });
    expect(new Set([...(first.retried ?? []), ...(second.retried ?? [])]).size).toBe(jobs.length);
  });

  test('bad requests name their field: no expect, an unknown type, a bad kind or time', () => {
    const fields = (body: unknown) => {
      try {
        request(body);
        return [];
      } catch (error) {
        return (error as ValidationError).fields.map((f) => f.field);
      }
    };
    expect(fields({ filter: { type: 'email' } })).toEqual(['expect']);
    expect(fields({ filter: { type: 'nope' }, dryRun: true })).toEqual(['filter.type']);
    expect(fields({ filter: { type: 'email', errorKind: 'odd', failedAfter: 'yesterday' }, dryRun: true })).toEqual([
      'filter.errorKind',
      'filter.failedAfter',
    ]);
    expect(fields({ filter: { type: 'email', extra: 1 }, dryRun: true })).toEqual(['filter.extra']);
  });
});

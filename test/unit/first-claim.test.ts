import { InMemoryJobsRepository } from '../../src/jobs/in-memory/in-memory-jobs-repository';
import type { Job } from '../../src/jobs/job';
import { messageFor } from '../../src/jobs/job-rounds';
import { handleJobMessage } from '../../src/jobs/use-cases/handle-job-message';
import { aJob, inMemoryWorker } from '../support/jobs';

/** Counts the reads a delivery makes: the claim of a first attempt needs none. */
class CountingReads extends InMemoryJobsRepository {
  reads = 0;
  override async get(id: string): Promise<Job | undefined> {
    this.reads++;
    return super.get(id);
  }
}

function setUp() {
  const repository = new CountingReads();
  return { repository, ...inMemoryWorker(repository) };
}

test('a first delivery claims, runs and completes its job without a read', async () => {
  const { runs, repository, deps } = setUp();
  const job = aJob('email');
  await repository.create(job);
  expect(await handleJobMessage(deps, messageFor(job))).toEqual({ kind: 'acknowledge', reason: 'completed' });
  expect(runs).toEqual(['email']);
  expect(repository.reads).toBe(0);
  expect((await repository.get(job.id))?.history.map((h) => [h.status, h.attempt])).toEqual([
    ['queued', 0],
    ['processing', 1],
    ['completed', 1],
  ]);
});

test('a duplicate of a delivery in progress runs nothing, decided on what the refused claim returned', async () => {
  const { runs, repository, deps } = setUp();
  const job = aJob('email', {
    status: 'processing',
    attempts: 1,
    leaseUntil: new Date(Date.now() + 60_000).toISOString(),
  });
  await repository.create(job);
  expect(await handleJobMessage(deps, messageFor(job))).toMatchObject({
    kind: 'retry-later',
    reason: 'leased by another worker',
  });
  expect(runs).toEqual([]);
  expect(repository.reads).toBe(0);
});

test('a retry that is due takes the read-modify-write path from the refused claim: attempt 2, no read', async () => {
  const { runs, repository, deps } = setUp();
  const job = aJob('email', {
    status: 'retrying',
    attempts: 1,
    nextAttemptAt: new Date(Date.now() - 1000).toISOString(),
  });
  await repository.create(job);
  expect(await handleJobMessage(deps, messageFor(job))).toEqual({ kind: 'acknowledge', reason: 'completed' });
  expect(runs).toEqual(['email']);
  expect(repository.reads).toBe(0);
  expect(await repository.get(job.id)).toMatchObject({ status: 'completed', attempts: 2 });
});

test('a message for a job that does not exist is acknowledged', async () => {
  const { runs, deps } = setUp();
  expect(await handleJobMessage(deps, messageFor(aJob('email')))).toEqual({
    kind: 'acknowledge',
    reason: 'unknown job',
  });
  expect(runs).toEqual([]);
});

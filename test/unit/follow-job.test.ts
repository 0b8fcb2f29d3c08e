import { randomUUID } from 'node:crypto';
import { JobNotFoundError } from '../../src/jobs/errors/job-not-found-error';
import { InMemoryJobsRepository } from '../../src/jobs/in-memory/in-memory-jobs-repository';
import { InMemoryWaiterInboxes } from '../../src/jobs/in-memory/in-memory-waiter-inboxes';
import { InMemoryWaiterRegistry } from '../../src/jobs/in-memory/in-memory-waiter-registry';
import type { Job } from '../../src/jobs/job';
import { followJob, type FollowEvent } from '../../src/jobs/use-cases/follow-job';
import { notifyWaiters } from '../../src/jobs/use-cases/notify-waiters';
import { aJob } from '../support/jobs';

function setup() {
  const repository = new InMemoryJobsRepository();
  const registry = new InMemoryWaiterRegistry();
  const inboxes = new InMemoryWaiterInboxes();
  const deps = { repository, registry, inboxes, clock: () => new Date(), newId: () => randomUUID() };
  /** What the stream notifier does after a write: notices to the job's waiters. */
  const change = (job: Job, version: number, status: string) =>
    notifyWaiters({ registry, sender: inboxes }, { jobId: job.id, version, status, updatedAt: job.updatedAt });
  return { deps, repository, registry, change };
}

const snapshots = (events: FollowEvent[]) =>
  events.flatMap((event) => (event.type === 'snapshot' ? [[event.job.version, event.job.status]] : []));

describe('followJob', () => {
  test('sends the current snapshot, then each newer notice in version order (repeats and older ones dropped), and ends when final', async () => {
    const { deps, repository, registry, change } = setup();
    const job = aJob('email', { status: 'queued', version: 3 });
    await repository.create(job);
    const follow = await followJob(deps, { jobId: job.id, deadline: Date.now() + 5_000 });
    expect(await registry.waitersOf(job.id)).toHaveLength(1);
    const events: FollowEvent[] = [];
    const reading = (async () => {
      for await (const event of follow.events(1_000)) events.push(event);
    })();
    // SQS may repeat a notice; one older than what was sent is never sent.
    await change(job, 4, 'processing');
    await change(job, 4, 'processing');
    await change(job, 5, 'processing');
    await change(job, 4, 'processing');
    await change(job, 6, 'completed');
    await reading;
    await follow.close();
    expect(snapshots(events)).toEqual([
      [3, 'queued'],
      [4, 'processing'],
      [5, 'processing'],
      [6, 'completed'],
    ]);
    expect(await registry.waitersOf(job.id)).toEqual([]);
  });

  test('after a version, sends only later ones: nothing at once when current, quiet while waiting', async () => {
    const { deps, repository, change } = setup();
    const job = aJob('email', { status: 'processing', version: 7 });
    await repository.create(job);
    const follow = await followJob(deps, { jobId: job.id, after: 7, deadline: Date.now() + 5_000 });
    const iterator = follow.events(20);
    expect((await iterator.next()).value).toEqual({ type: 'quiet' });
    await change(job, 8, 'failed');
    expect((await iterator.next()).value).toMatchObject({ type: 'snapshot', job: { version: 8 }, final: true });
    expect((await iterator.next()).done).toBe(true);
    await follow.close();
  });

  test('a final job already delivered yields nothing; the deadline and a removal end the follow', async () => {
    const { deps, repository } = setup();
    const done = aJob('email', { status: 'completed', version: 2 });
    await repository.create(done);
    const finished = await followJob(deps, { jobId: done.id, after: 2, deadline: Date.now() + 5_000 });
    expect((await finished.events(20).next()).done).toBe(true);
    await finished.close();

    const open = aJob('email', { status: 'queued', version: 1 });
    await repository.create(open);
    const timed = await followJob(deps, { jobId: open.id, after: 1, deadline: Date.now() + 50 });
    const seen: FollowEvent[] = [];
    for await (const event of timed.events(20)) seen.push(event);
    expect(seen.every((event) => event.type === 'quiet')).toBe(true);
    await timed.close();

    const removed = await followJob(deps, { jobId: open.id, after: 1, deadline: Date.now() + 5_000 });
    const iterator = removed.events(1_000);
    const next = iterator.next();
    await notifyWaiters(
      { registry: deps.registry, sender: deps.inboxes },
      { jobId: open.id, version: 2, status: 'queued', updatedAt: open.updatedAt, removed: true },
    );
    expect((await next).done).toBe(true);
    await removed.close();
  });

  test('an unknown job is JobNotFoundError, and leaves no registration behind', async () => {
    const { deps, registry } = setup();
    await expect(followJob(deps, { jobId: 'job_missing', deadline: Date.now() + 1_000 })).rejects.toThrow(
      JobNotFoundError,
    );
    expect(await registry.waitersOf('job_missing')).toEqual([]);
  });
});

import { randomUUID } from 'node:crypto';
import { JobConflictError } from '../../src/jobs/errors/job-conflict-error';
import { InMemoryJobsRepository } from '../../src/jobs/in-memory/in-memory-jobs-repository';
import { InMemoryWaiterInboxes } from '../../src/jobs/in-memory/in-memory-waiter-inboxes';
import { InMemoryWaiterRegistry } from '../../src/jobs/in-memory/in-memory-waiter-registry';
import { transition } from '../../src/jobs/job-state-machine';
import { newJob } from '../../src/jobs/new-job';
import type { Job } from '../../src/jobs/job';
import { notifyWaiters } from '../../src/jobs/use-cases/notify-waiters';
import { waitForChange, type WaitForChangeDeps } from '../../src/jobs/use-cases/wait-for-change';
import { jobChangeOfSaved, wakingWaitersOnSave } from '../../src/jobs/wake-waiters-on-save';
import type { ChangeNotice, NoticeSender } from '../../src/jobs/ports/waiter-inbox';

/** The long-poll side and the writer side share a registry and inboxes, as they share the tables on AWS. */
function setUp(sender?: NoticeSender) {
  const stored = new InMemoryJobsRepository();
  const registry = new InMemoryWaiterRegistry();
  const inboxes = new InMemoryWaiterInboxes();
  const failures: unknown[] = [];
  const writer = wakingWaitersOnSave(stored, { registry, sender: sender ?? inboxes }, (error) => failures.push(error));
  const waits: WaitForChangeDeps = {
    repository: stored,
    registry,
    inboxes,
    clock: () => new Date(),
    newId: () => randomUUID(),
  };
  return { stored, registry, inboxes, writer, waits, failures };
}

async function externalJob(repository: InMemoryJobsRepository) {
  const job = newJob({
    id: randomUUID(),
    type: 'external',
    payload: {},
    maxAttempts: 1,
    now: new Date(),
    initialStatus: 'pending',
  });
  await repository.create(job);
  return job;
}

type Writer = ReturnType<typeof setUp>['writer'];

/** Waits for a change after `since` while the writer saves `next` 50 ms after the wait registered. */
function waitWhileSaving(waits: WaitForChangeDeps, writer: Writer, previous: Job, next: Job, since: number) {
  return waitForChange(waits, {
    jobId: previous.id,
    since,
    timeoutMs: 5_000,
    afterRegister: async () => {
      setTimeout(() => void writer.save(previous, next), 50);
    },
  });
}

/** A waiter registered on `inboxUrl` that has marked the job followed, as a long poll does. */
async function followedByWaiter(
  registry: InMemoryWaiterRegistry,
  stored: InMemoryJobsRepository,
  job: Job,
  inboxUrl: string,
) {
  await registry.register({ jobId: job.id, waiterId: 'w', inboxUrl, expiresAt: 9e9 });
  await stored.follow(job.id, 9e9);
}

test('a save wakes the job’s long poll itself, with no stream notifier running', async () => {
  const { stored, writer, waits } = setUp();
  const job = await externalJob(stored);
  const started = Date.now();
  const result = await waitWhileSaving(waits, writer, job, transition(job, 'processing', new Date()), 1);
  expect(result).toMatchObject({ changed: true, answeredBy: 'notice', job: { status: 'processing', version: 2 } });
  // Answered by the writer's notice, not by the 5 s timeout.
  expect(Date.now() - started).toBeLessThan(4_000);
});

test('the stream’s later notice of the same version wakes nothing: the next wait on the reused inbox keeps waiting', async () => {
  const { stored, registry, inboxes, writer, waits } = setUp();
  const job = await externalJob(stored);
  const first = waitForChange(waits, {
    jobId: job.id,
    since: 1,
    timeoutMs: 5_000,
    afterRegister: async () => void (await writer.save(job, transition(job, 'processing', new Date()))),
  });
  expect(await first).toMatchObject({ changed: true, job: { version: 2 } });
  const saved = (await stored.get(job.id))!;

  const second = waitForChange(waits, {
    jobId: job.id,
    since: 2,
    timeoutMs: 300,
    // The stream notifier catches up with version 2 while this wait listens on the same inbox.
    afterRegister: async () => void (await notifyWaiters({ registry, sender: inboxes }, jobChangeOfSaved(saved))),
  });
  expect(await second).toMatchObject({ changed: false, answeredBy: 'timeout', job: { version: 2 } });
});

test('a wake-up that cannot be sent leaves the save done and reports the failure', async () => {
  const broken: NoticeSender = {
    async send(_url: string, _notices: ChangeNotice[]) {
      throw new Error('inbox unreachable');
    },
  };
  const { stored, registry, writer, failures } = setUp(broken);
  const job = await externalJob(stored);
  await followedByWaiter(registry, stored, job, 'memory://gone');

  const saved = await writer.save(job, transition(job, 'processing', new Date()));
  expect(saved).toMatchObject({ status: 'processing', version: 2 });
  expect((await stored.get(job.id))?.version).toBe(2);
  expect(failures).toEqual([new Error('inbox unreachable')]);
});

test('a save that loses its race wakes nobody and fails as before', async () => {
  const sent: ChangeNotice[][] = [];
  const { stored, registry, writer } = setUp({ send: async (_url, notices) => void sent.push(notices) });
  const job = await externalJob(stored);
  await followedByWaiter(registry, stored, job, 'memory://x');
  await stored.save(job, transition(job, 'processing', new Date()));

  await expect(writer.save(job, transition(job, 'done', new Date()))).rejects.toThrow(JobConflictError);
  expect(sent).toEqual([]);
});

test('a save of a job nobody follows looks up no waiter; once a wait has marked it, saves wake', async () => {
  const { stored, registry, writer, waits } = setUp();
  const lookups: string[] = [];
  const waitersOf = registry.waitersOf.bind(registry);
  registry.waitersOf = async (jobId) => {
    lookups.push(jobId);
    return waitersOf(jobId);
  };
  const job = await externalJob(stored);
  const processing = await writer.save(job, transition(job, 'processing', new Date()));
  expect(lookups).toEqual([]);

  const waiting = waitWhileSaving(waits, writer, processing, transition(processing, 'done', new Date()), 2);
  expect(await waiting).toMatchObject({ changed: true, answeredBy: 'notice', job: { status: 'done' } });
  expect(lookups).toEqual([job.id]);
});

test('the stream’s notice of a change its image shows unfollowed looks up no waiter', async () => {
  const { registry, inboxes } = setUp();
  const lookups: string[] = [];
  registry.waitersOf = async (jobId) => {
    lookups.push(jobId);
    return [];
  };
  const change = { jobId: 'j', version: 2, status: 'processing', updatedAt: new Date().toISOString() };
  expect(await notifyWaiters({ registry, sender: inboxes }, { ...change, followed: false })).toBe(0);
  expect(lookups).toEqual([]);
  await notifyWaiters({ registry, sender: inboxes }, { ...change, followed: true });
  expect(lookups).toEqual(['j']);
});

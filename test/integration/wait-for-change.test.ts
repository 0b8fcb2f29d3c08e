import { randomUUID } from 'node:crypto';
import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { DynamoDbWaiterRegistry } from '../../src/aws/dynamodb-waiter-registry';
import { removeIdleInboxes, SqsInboxPool } from '../../src/aws/sqs-waiter-inboxes';
import { JobNotFoundError } from '../../src/jobs/errors/job-not-found-error';
import { transition } from '../../src/jobs/job-state-machine';
import { createExternalJob } from '../../src/jobs/use-cases/external-jobs';
import { waitForChange, type WaitForChangeDeps } from '../../src/jobs/use-cases/wait-for-change';
import { localStackTableName } from '../support/aws-resources';
import { silentLog } from '../support/jobs';

/** Runs against the local stack's tables, so its stream notifier is what wakes these waits. */
function localStackTable(prefix: string): string {
  const tables = JSON.parse(process.env.LOCAL_STACK_TABLES ?? '{}') as Record<string, { tableName: string }>;
  const entry = Object.entries(tables).find(([id]) => id.startsWith(prefix));
  if (!entry) throw new Error(`no ${prefix} table in the local stack`);
  return entry[1].tableName;
}

const documentClient = createDocumentClient();
const sqs = createSqsClient();
const prefix = `test-inbox-${randomUUID().slice(0, 8)}-`;
let deps: WaitForChangeDeps;

beforeAll(() => {
  deps = {
    repository: new DynamoDbJobsRepository(documentClient, localStackTableName()),
    registry: new DynamoDbWaiterRegistry(documentClient, localStackTable('LongPollWaitersTable')),
    inboxes: new SqsInboxPool(sqs, { prefix }),
    clock: () => new Date(),
    newId: () => randomUUID(),
  };
});

const newJob = () => createExternalJob({ repository: deps.repository, log: silentLog, clock: () => new Date() }, {});

describe('waitForChange: subscribe first, then check once', () => {
  test('a change between registration and the read is not missed', async () => {
    const job = await newJob();
    const result = await waitForChange(deps, {
      jobId: job.id,
      since: 1,
      timeoutMs: 10_000,
      afterRegister: async () => {
        await deps.repository.save(job, transition(job, 'processing', new Date()));
      },
    });
    expect(result).toMatchObject({ changed: true, job: { status: 'processing', version: 2 } });
  });

  test('without since, a change made while waiting wakes the waiter through its inbox', async () => {
    const job = await newJob();
    const waiting = waitForChange(deps, {
      jobId: job.id,
      timeoutMs: 10_000,
      afterRegister: async () => {
        // Changes once the waiter is listening: only the stream notifier can deliver it.
        setTimeout(() => void deps.repository.save(job, transition(job, 'done', new Date())), 300);
      },
    });
    expect(await waiting).toMatchObject({ changed: true, job: { status: 'done', version: 2 } });
  });

  test('an aborted wait ends at once and deregisters', async () => {
    const job = await newJob();
    const controller = new AbortController();
    const waiting = waitForChange(deps, { jobId: job.id, timeoutMs: 20_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const startedAt = Date.now();
    expect(await waiting).toMatchObject({ changed: false });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(await deps.registry.waitersOf(job.id)).toEqual([]);
  });

  test('a job already in a final status is answered at once, unchanged and final, and deregistered', async () => {
    const job = await newJob();
    const done = await deps.repository.save(job, transition(job, 'done', new Date()));
    const result = await waitForChange(deps, { jobId: job.id, since: done.version, timeoutMs: 20_000 });
    expect(result).toEqual({
      job: { id: job.id, status: 'done', version: done.version, updatedAt: done.updatedAt },
      changed: false,
      final: true,
      answeredBy: 'read',
    });
    expect(await deps.registry.waitersOf(job.id)).toEqual([]);
  });

  test('an unknown job is refused after deregistering', async () => {
    const jobId = `missing-${randomUUID()}`;
    await expect(waitForChange(deps, { jobId, timeoutMs: 5_000 })).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await deps.registry.waitersOf(jobId)).toEqual([]);
  });

  test('the janitor removes idle inboxes, and a pooled inbox the janitor removed is replaced', async () => {
    const pool = new SqsInboxPool(sqs, { prefix });
    const inbox = await pool.acquire();
    pool.release(inbox);
    expect(await removeIdleInboxes(sqs, prefix, 0, Date.now() + 60_000)).toBeGreaterThanOrEqual(1);
    (inbox as unknown as { touchedAt: number }).touchedAt = 0;
    const replacement = await pool.acquire();
    expect(replacement.url).not.toBe(inbox.url);
    expect(await replacement.receive(0)).toEqual([]);
  });
});

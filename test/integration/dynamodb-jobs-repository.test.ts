import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import { JobAlreadyExistsError } from '../../src/jobs/errors/job-already-exists-error';
import { JobConflictError } from '../../src/jobs/errors/job-conflict-error';
import { transition } from '../../src/jobs/job-state-machine';
import { createJobsTable, injectFault } from '../support/aws-resources';
import { aJob } from '../support/jobs';

let repository: DynamoDbJobsRepository;
let tableName: string;

beforeAll(async () => {
  tableName = await createJobsTable();
  repository = new DynamoDbJobsRepository(createDocumentClient(), tableName);
});

describe('DynamoDbJobsRepository against DynamoDB Local', () => {
  test('a created job reads back whole', async () => {
    const job = aJob('sms');
    await repository.create(job);
    expect(await repository.get(job.id)).toEqual(job);
  });

  test('an unknown id reads as undefined', async () => {
    expect(await repository.get('no-such-job')).toBeUndefined();
  });

  test('creating an id that exists is refused and leaves the original untouched', async () => {
    const job = aJob();
    await repository.create(job);
    await expect(repository.create({ ...job, payload: { overwritten: true } })).rejects.toBeInstanceOf(
      JobAlreadyExistsError,
    );
    expect((await repository.get(job.id))?.payload).toEqual(job.payload);
  });

  test('a save from the current version writes the transition and drops cleared fields', async () => {
    const job = aJob();
    await repository.create(job);
    const claimed = transition(job, 'processing', new Date(), {
      attempts: 1,
      leaseUntil: new Date(Date.now() + 60_000).toISOString(),
    });
    await repository.save(job, claimed);
    const completed = transition(claimed, 'completed', new Date(), { result: { ok: true } });
    await repository.save(claimed, completed);
    const stored = await repository.get(job.id);
    expect(stored).toMatchObject({ status: 'completed', version: 3, attempts: 1, result: { ok: true } });
    expect(stored?.leaseUntil).toBeUndefined();
    expect(stored?.history.map((h) => h.status)).toEqual(['queued', 'processing', 'completed']);
  });

  test('two writers racing from the same version: exactly one wins, the loser sees the winner', async () => {
    const job = aJob();
    await repository.create(job);
    const results = await Promise.allSettled([
      repository.save(job, transition(job, 'processing', new Date(), { attempts: 1 })),
      repository.save(job, transition(job, 'cancelled', new Date())),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(JobConflictError);
    const stored = await repository.get(job.id);
    expect(stored?.version).toBe(2);
    expect((lost[0]?.reason as JobConflictError).current).toEqual(stored);
  });

  test('a stale write is refused even when the status still matches', async () => {
    const job = aJob('cleanup', { status: 'delayed', runAt: new Date(Date.now() + 60_000).toISOString() });
    await repository.create(job);
    const redelayed = transition(job, 'delayed', new Date());
    await repository.save(job, redelayed);
    await expect(
      repository.save(job, transition(job, 'processing', new Date(), { attempts: 1 })),
    ).rejects.toBeInstanceOf(JobConflictError);
    expect((await repository.get(job.id))?.status).toBe('delayed');
  });

  test('throttling becomes DependencyUnavailableError and writes nothing', async () => {
    const throttled = new DynamoDBClient({ maxAttempts: 1 });
    const throttledRepository = new DynamoDbJobsRepository(createDocumentClient(throttled), tableName);
    injectFault(throttled, 'PutItemCommand', { name: 'ProvisionedThroughputExceededException', message: 'Slow down' });
    const job = aJob();
    await expect(throttledRepository.create(job)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(await repository.get(job.id)).toBeUndefined();
  });
});

import {
  DynamoDBClient,
  type BatchGetItemCommandInput,
  type BatchGetItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../src/aws/aws-clients';
import { batchGetAll } from '../../src/aws/dynamodb-batch-get-all';
import { DynamoDbDueJobs } from '../../src/aws/dynamodb-due-jobs';
import { DynamoDbJobCounters } from '../../src/aws/dynamodb-job-counters';
import { DynamoDbJobListing } from '../../src/aws/dynamodb-job-listing';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { DynamoDbLongPollSlots } from '../../src/aws/dynamodb-long-poll-slots';
import { DynamoDbSubscriptionStore } from '../../src/aws/dynamodb-subscription-store';
import { DynamoDbWaiterRegistry } from '../../src/aws/dynamodb-waiter-registry';
import { indexShardOf } from '../../src/aws/index-shards';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import { describeJobCountersConformance } from '../conformance/job-counters-conformance';
import { describeJobListingConformance } from '../conformance/job-listing-conformance';
import { describeJobsRepositoryConformance } from '../conformance/jobs-repository-conformance';
import { describeLongPollSlotsConformance } from '../conformance/long-poll-slots-conformance';
import { describeSubscriptionStoreConformance } from '../conformance/subscription-store-conformance';
import { describeWaiterRegistryConformance } from '../conformance/waiter-registry-conformance';
import { copyOfLocalStackTable, injectFault } from '../support/aws-resources';
import { aJob } from '../support/jobs';

/** Each suite gets its own empty copy of the template's table, keys and indexes included. */
const documentClient = createDocumentClient();

describeJobsRepositoryConformance(
  'DynamoDbJobsRepository against DynamoDB Local',
  async () => new DynamoDbJobsRepository(documentClient, await copyOfLocalStackTable('JobsTable')),
);

describeWaiterRegistryConformance(
  'DynamoDbWaiterRegistry against DynamoDB Local',
  async () => new DynamoDbWaiterRegistry(documentClient, await copyOfLocalStackTable('LongPollWaitersTable')),
);

describeLongPollSlotsConformance(
  'DynamoDbLongPollSlots against DynamoDB Local',
  async () => new DynamoDbLongPollSlots(documentClient, await copyOfLocalStackTable('LongPollSlotsTable')),
);

describeSubscriptionStoreConformance(
  'DynamoDbSubscriptionStore against DynamoDB Local',
  async () => new DynamoDbSubscriptionStore(documentClient, await copyOfLocalStackTable('RealtimeSubscriptionsTable')),
);

describeJobCountersConformance(
  'DynamoDbJobCounters against DynamoDB Local',
  async () => new DynamoDbJobCounters(documentClient, await copyOfLocalStackTable('JobCountersTable')),
);

describeJobListingConformance('DynamoDbJobListing against DynamoDB Local', async () => {
  const tableName = await copyOfLocalStackTable('JobsTable');
  return {
    repository: new DynamoDbJobsRepository(documentClient, tableName),
    listing: new DynamoDbJobListing(documentClient, tableName, ['email', 'sms', 'cleanup']),
  };
});

describeJobListingConformance('DynamoDbJobListing against DynamoDB Local, over 3 listing shards', async () => {
  const tableName = await copyOfLocalStackTable('JobsTable');
  return {
    repository: new DynamoDbJobsRepository(documentClient, tableName, { listing: 3, due: 2 }),
    listing: new DynamoDbJobListing(documentClient, tableName, ['email', 'sms', 'cleanup'], 3),
  };
});

describe('raising the shard counts (indexShards) on a table that holds jobs', () => {
  test('every job written under the lower counts is still listed and reconciled, and a save moves it once', async () => {
    const tableName = await copyOfLocalStackTable('JobsTable');
    const lower = new DynamoDbJobsRepository(documentClient, tableName, { listing: 2, due: 2 });
    // Above the defaults (8, 16), so a reader that ignored its count would miss the shards past them.
    const raised = { listing: 11, due: 19 };
    const start = Date.parse('2030-01-01T00:00:00.000Z');
    // Newest first; fixed ids, some of whose raised shards lie past the defaults.
    const jobs = Array.from({ length: 14 }, (_, n) =>
      aJob('email', {
        id: `raised-shards-${n}`,
        createdAt: new Date(start - n * 1_000).toISOString(),
        updatedAt: new Date(start).toISOString(),
      }),
    );
    expect(jobs.some((job) => Number(indexShardOf(job.id, raised.listing)) >= 8)).toBe(true);
    expect(jobs.some((job) => Number(indexShardOf(job.id, raised.due)) >= 16)).toBe(true);
    for (const job of jobs) await lower.create(job);
    const listing = new DynamoDbJobListing(documentClient, tableName, ['email', 'sms', 'cleanup'], raised.listing);
    const dueJobs = new DynamoDbDueJobs(documentClient, tableName, raised.due);
    const listedIds = async (filter: { status?: 'queued' | 'delayed' }) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listing.list(filter, 4, cursor);
        seen.push(...page.jobs.map((job) => job.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    const dueIds = async () => (await dueJobs.dueBefore(new Date(start + 1_000), 100)).map((ref) => ref.id).sort();
    const allIds = jobs.map((job) => job.id);
    expect(await listedIds({})).toEqual(allIds);
    expect(await listedIds({ status: 'queued' })).toEqual(allIds);
    expect(await dueIds()).toEqual([...allIds].sort());

    // Saved under the raised counts, every job's entries move to its new shards: listed once, in place.
    const repository = new DynamoDbJobsRepository(documentClient, tableName, raised);
    const delayed = jobs.filter((_, n) => n % 2 === 0);
    for (const job of jobs) {
      const next = delayed.includes(job)
        ? { ...job, status: 'delayed' as const, runAt: new Date(start).toISOString() }
        : job;
      await repository.save(job, { ...next, version: job.version + 1 });
    }
    expect(await listedIds({})).toEqual(allIds);
    expect(await listedIds({ status: 'delayed' })).toEqual(delayed.map((job) => job.id));
    expect(await listedIds({ status: 'queued' })).toEqual(allIds.filter((id) => !delayed.some((job) => job.id === id)));
    expect(await dueIds()).toEqual([...allIds].sort());
  });
});

describe('DynamoDbJobListing reads', () => {
  test('a status and type listing reads only the matching jobs, however many share the status', async () => {
    const tableName = await copyOfLocalStackTable('JobsTable');
    const repository = new DynamoDbJobsRepository(documentClient, tableName);
    for (let i = 0; i < 30; i++) await repository.create(aJob('email', { status: 'completed' }));
    const wanted = aJob('sms', { status: 'completed' });
    await repository.create(wanted);
    const counted = new DynamoDBClient({});
    let scanned = 0;
    counted.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        scanned += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
        return result;
      },
      { step: 'initialize' },
    );
    const listing = new DynamoDbJobListing(createDocumentClient(counted), tableName, ['email', 'sms', 'cleanup']);
    const page = await listing.list({ status: 'completed', type: 'sms' }, 10);
    expect(page.jobs.map((job) => job.id)).toEqual([wanted.id]);
    // Filtering the status's partition by type would read all 31 completed jobs.
    expect(scanned).toBe(1);
  });
});

describe('DynamoDbJobsRepository under throttling', () => {
  test('throttling becomes DependencyUnavailableError and writes nothing', async () => {
    const tableName = await copyOfLocalStackTable('JobsTable');
    const throttled = new DynamoDBClient({ maxAttempts: 1 });
    const throttledRepository = new DynamoDbJobsRepository(createDocumentClient(throttled), tableName);
    injectFault(throttled, 'PutItemCommand', { name: 'ProvisionedThroughputExceededException', message: 'Slow down' });
    const job = aJob();
    await expect(throttledRepository.create(job)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(await new DynamoDbJobsRepository(documentClient, tableName).get(job.id)).toBeUndefined();
  });
});

describe('batchGetAll when DynamoDB leaves keys unprocessed', () => {
  /** A client whose BatchGetItem answers hand back every key unprocessed for the first `times` requests. */
  function leavingUnprocessed(times: number) {
    const client = new DynamoDBClient({});
    let requests = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const output = result.output as BatchGetItemCommandOutput;
        if ((args.input as { RequestItems?: unknown }).RequestItems && requests++ < times) {
          const input = args.input as BatchGetItemCommandInput;
          output.UnprocessedKeys = input.RequestItems;
          output.Responses = {};
        }
        return result;
      },
      { step: 'initialize', name: 'leaveUnprocessed' },
    );
    return { documentClient: createDocumentClient(client), requests: () => requests };
  }

  test('unprocessed keys are re-sent until read; more than 100 keys go in chunks', async () => {
    const tableName = await copyOfLocalStackTable('JobsTable');
    const jobs = Array.from({ length: 120 }, () => aJob());
    const repository = new DynamoDbJobsRepository(documentClient, tableName);
    for (const job of jobs) await repository.create(job);
    const flaky = leavingUnprocessed(2);
    const retry = { rounds: 4, exhausted: () => new Error('gave up') };
    const items = await batchGetAll<{ id: string }>(
      flaky.documentClient,
      tableName,
      jobs.map(({ id }) => ({ id })),
      { attributes: ['id'] },
      retry,
    );
    expect(items.map(({ id }) => id).sort()).toEqual(jobs.map(({ id }) => id).sort());
    expect(items[0]).toEqual({ id: items[0]!.id }); // only the attributes asked for
    expect(flaky.requests()).toBe(4); // the first chunk twice unprocessed, then each chunk once
  });

  test('keys still unprocessed after the last round are the caller’s error', async () => {
    const tableName = await copyOfLocalStackTable('JobsTable');
    const job = aJob();
    await new DynamoDbJobsRepository(documentClient, tableName).create(job);
    const flaky = leavingUnprocessed(10);
    await expect(
      batchGetAll(
        flaky.documentClient,
        tableName,
        [{ id: job.id }],
        {},
        { rounds: 3, exhausted: (_, rounds) => new Error(`gave up after ${rounds}`) },
      ),
    ).rejects.toThrow('gave up after 3');
    expect(flaky.requests()).toBe(3);
  });
});

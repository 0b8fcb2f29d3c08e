import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../src/aws/aws-clients';
import { DynamoDbJobCounters } from '../../src/aws/dynamodb-job-counters';
import { DynamoDbJobListing } from '../../src/aws/dynamodb-job-listing';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { DynamoDbLongPollSlots } from '../../src/aws/dynamodb-long-poll-slots';
import { DynamoDbSubscriptionStore } from '../../src/aws/dynamodb-subscription-store';
import { DynamoDbWaiterRegistry } from '../../src/aws/dynamodb-waiter-registry';
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

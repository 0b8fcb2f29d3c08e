import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../src/aws/aws-clients';
import { DynamoDbJobListing } from '../../src/aws/dynamodb-job-listing';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { DynamoDbLongPollSlots } from '../../src/aws/dynamodb-long-poll-slots';
import { DynamoDbSubscriptionStore } from '../../src/aws/dynamodb-subscription-store';
import { DynamoDbWaiterRegistry } from '../../src/aws/dynamodb-waiter-registry';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
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

describeJobListingConformance('DynamoDbJobListing against DynamoDB Local', async () => {
  const tableName = await copyOfLocalStackTable('JobsTable');
  return {
    repository: new DynamoDbJobsRepository(documentClient, tableName),
    listing: new DynamoDbJobListing(documentClient, tableName, ['email', 'sms', 'cleanup']),
  };
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

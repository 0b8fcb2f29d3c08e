/** The in-memory adapters pass the same conformance suites as the DynamoDB and SQS adapters (test/integration). */
import { InMemoryDeadLetterQueue } from '../../src/jobs/in-memory/in-memory-dead-letter-queue';
import { InMemoryJobListing } from '../../src/jobs/in-memory/in-memory-job-listing';
import { InMemoryJobQueue } from '../../src/jobs/in-memory/in-memory-job-queue';
import { InMemoryJobsRepository } from '../../src/jobs/in-memory/in-memory-jobs-repository';
import { InMemoryLongPollSlots } from '../../src/jobs/in-memory/in-memory-long-poll-slots';
import { InMemoryWaiterInboxes } from '../../src/jobs/in-memory/in-memory-waiter-inboxes';
import { InMemorySubscriptionStore } from '../../src/jobs/in-memory/in-memory-subscription-store';
import { InMemoryWaiterRegistry } from '../../src/jobs/in-memory/in-memory-waiter-registry';
import { describeDeadLetterQueueConformance } from '../conformance/dead-letter-queue-conformance';
import { describeJobListingConformance } from '../conformance/job-listing-conformance';
import { describeJobQueueConformance } from '../conformance/job-queue-conformance';
import { describeJobsRepositoryConformance } from '../conformance/jobs-repository-conformance';
import { describeLongPollSlotsConformance } from '../conformance/long-poll-slots-conformance';
import { describeWaiterInboxesConformance } from '../conformance/waiter-inboxes-conformance';
import { describeSubscriptionStoreConformance } from '../conformance/subscription-store-conformance';
import { describeJobCountersConformance } from '../conformance/job-counters-conformance';
import { InMemoryJobCounters } from '../../src/jobs/in-memory/in-memory-job-counters';
import { describeWaiterRegistryConformance } from '../conformance/waiter-registry-conformance';

/** Time the in-memory queues see: moved by the suites' `elapse`, so nothing here sleeps. */
function testClock() {
  let now = Date.now();
  return { now: () => now, elapse: async (ms: number) => void (now += ms) };
}

describeJobsRepositoryConformance('InMemoryJobsRepository', async () => new InMemoryJobsRepository());

describeJobQueueConformance('InMemoryJobQueue', async () => {
  const clock = testClock();
  const queue = new InMemoryJobQueue(clock.now);
  return { queue, receive: async (type) => queue.receive(type), elapse: clock.elapse };
});

describeDeadLetterQueueConformance('InMemoryDeadLetterQueue', async () => {
  const clock = testClock();
  const dlq = new InMemoryDeadLetterQueue(clock.now);
  return { dlq, add: async (body) => dlq.add(body), elapse: clock.elapse };
});

describeWaiterRegistryConformance('InMemoryWaiterRegistry', async () => new InMemoryWaiterRegistry());

describeLongPollSlotsConformance('InMemoryLongPollSlots', async () => new InMemoryLongPollSlots());

describeWaiterInboxesConformance('InMemoryWaiterInboxes', async () => {
  const inboxes = new InMemoryWaiterInboxes();
  return { pool: inboxes, sender: inboxes, remove: async (url) => inboxes.remove(url) };
});

describeJobListingConformance('InMemoryJobListing', async () => {
  const repository = new InMemoryJobsRepository();
  return { repository, listing: new InMemoryJobListing(repository) };
});

describe('InMemoryJobQueue', () => {
  test('refuses a delay SQS would refuse', async () => {
    await expect(new InMemoryJobQueue().enqueue({ jobId: 'j', type: 'email', round: 1 }, 901)).rejects.toBeInstanceOf(
      RangeError,
    );
  });
});

describeSubscriptionStoreConformance('InMemorySubscriptionStore', async () => new InMemorySubscriptionStore());

describeJobCountersConformance('InMemoryJobCounters', async () => new InMemoryJobCounters());

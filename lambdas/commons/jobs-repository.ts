import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { DynamoDbWaiterRegistry } from '../../src/aws/dynamodb-waiter-registry';
import { SqsNoticeSender } from '../../src/aws/sqs-waiter-inboxes';
import type { JobsRepository } from '../../src/jobs/ports/jobs-repository';
import { wakingWaitersOnSave } from '../../src/jobs/wake-waiters-on-save';
import { documentClient, sqs } from './clients';
import { readJobsTableShards, requireEnv } from './environment';
import { logger } from './powertools';

/** The jobs table, as the stack describes it to the function (JOBS_TABLE_NAME and its shard counts). */
export function jobsRepository(): DynamoDbJobsRepository {
  return new DynamoDbJobsRepository(documentClient, requireEnv('JOBS_TABLE_NAME'), readJobsTableShards());
}

/**
 * The jobs table for a function that changes jobs: its saves wake the jobs' long polls straight
 * away (the function is granted the waiters table and the inboxes for it), ahead of the stream.
 */
export function jobsRepositoryWakingWaiters(): JobsRepository {
  return wakingWaitersOnSave(
    jobsRepository(),
    {
      registry: new DynamoDbWaiterRegistry(documentClient, requireEnv('WAITERS_TABLE_NAME')),
      sender: new SqsNoticeSender(sqs),
    },
    (error, change) =>
      logger.warn('Waking long polls after a save failed; the stream notifier wakes them', {
        jobId: change.jobId,
        version: change.version,
        error: error as Error,
      }),
  );
}

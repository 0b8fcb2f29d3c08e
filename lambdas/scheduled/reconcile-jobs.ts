import middy from '@middy/core';
import { DynamoDbDueJobs } from '../../src/aws/dynamodb-due-jobs';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { reconcileJobs, type ReconcileJobsDeps } from '../../src/jobs/use-cases/reconcile-jobs';
import { documentClient, sqs } from '../commons/clients';
import { readJobsTableShards, readJobTypeConfigs, readQueueUrls, requireEnv } from '../commons/environment';
import { jobLog, jobMetrics, logger, observability } from '../commons/powertools';

const tableName = requireEnv('JOBS_TABLE_NAME');
const shards = readJobsTableShards();
const configs = readJobTypeConfigs();
const deps: ReconcileJobsDeps = {
  repository: new DynamoDbJobsRepository(documentClient, tableName, shards),
  dueJobs: new DynamoDbDueJobs(documentClient, tableName, shards.due),
  queue: new SqsJobQueue(sqs, readQueueUrls(Object.keys(configs))),
  configs,
  log: jobLog,
  metrics: jobMetrics,
  clock: () => new Date(),
};

/** Runs every minute: re-sends the messages of jobs that stopped moving. */
export const handler = middy()
  .use(observability())
  .handler(async () => {
    const result = await reconcileJobs(deps);
    logger.info('Jobs reconciled', { ...result });
    return result;
  });

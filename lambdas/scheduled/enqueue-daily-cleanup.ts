import middy from '@middy/core';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { JobAlreadyExistsError } from '../../src/jobs/errors/job-already-exists-error';
import { systemJobId } from '../../src/jobs/job-ids';
import { submitJob, type SubmitJobDeps } from '../../src/jobs/use-cases/submit-job';
import { documentClient, sqs } from '../commons/clients';
import { readJobTypeConfigs, requireEnv } from '../commons/environment';
import { jobLog, jobMetrics, observability } from '../commons/powertools';

const cleanupQueueUrl = requireEnv('CLEANUP_QUEUE_URL');
// In the reserved system namespace, so no caller can create today's id first and suppress the run.
const dailyJobId = () => systemJobId(`daily-cleanup:${new Date().toISOString().slice(0, 10)}`);
const deps: SubmitJobDeps = {
  repository: new DynamoDbJobsRepository(documentClient, requireEnv('JOBS_TABLE_NAME')),
  queue: new SqsJobQueue(sqs, { cleanup: cleanupQueueUrl }),
  configs: readJobTypeConfigs(),
  log: jobLog,
  metrics: jobMetrics,
  clock: () => new Date(),
  // One job per UTC day: a second delivery of the same schedule finds it already there.
  newId: dailyJobId,
};

/** EventBridge, daily at 00:00 UTC, with the rule's input `{task}`: enqueues that cleanup job. */
export const handler = middy<{ task?: string }, { jobId: string; alreadyEnqueued: boolean }>()
  .use(observability())
  .handler(async (event) => {
    try {
      const job = await submitJob(deps, 'cleanup', { task: event.task });
      return { jobId: job.id, alreadyEnqueued: false };
    } catch (error) {
      if (!(error instanceof JobAlreadyExistsError)) throw error;
      jobLog.info('Daily cleanup already enqueued', { jobId: error.jobId, type: 'cleanup' });
      return { jobId: error.jobId, alreadyEnqueued: true };
    }
  });

import middy from '@middy/core';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { JobAlreadyExistsError } from '../../src/jobs/errors/job-already-exists-error';
import { scheduledJobId, type ScheduledSubmission } from '../../src/jobs/scheduled-job';
import { submitJob, type SubmitJobDeps } from '../../src/jobs/use-cases/submit-job';
import { sqs } from '../commons/clients';
import { requireEnv } from '../commons/environment';
import { jobsRepository } from '../commons/jobs-repository';
import { deployedJobTypes } from '../commons/job-types';
import { jobLog, jobMetrics, observability } from '../commons/powertools';

/** Only the queues of types that have schedules are set (and granted). */
const queueUrls = JSON.parse(requireEnv('SCHEDULED_QUEUE_URLS')) as Record<string, string>;
let nextId = '';
const deps: SubmitJobDeps = {
  repository: jobsRepository(),
  queue: new SqsJobQueue(sqs, queueUrls),
  jobTypes: deployedJobTypes(),
  log: jobLog,
  metrics: jobMetrics,
  clock: () => new Date(),
  // One job per schedule period: a second delivery of the same schedule finds it already there.
  newId: () => nextId,
};

/** EventBridge, on each schedule of the registry, with the rule's input: enqueues that schedule's job once per period. */
export const handler = middy<ScheduledSubmission, { jobId: string; alreadyEnqueued: boolean }>()
  .use(observability())
  .handler(async (event) => {
    nextId = scheduledJobId(event, new Date());
    try {
      const job = await submitJob(deps, event.type, event.payload);
      return { jobId: job.id, alreadyEnqueued: false };
    } catch (error) {
      if (!(error instanceof JobAlreadyExistsError)) throw error;
      jobLog.info('Scheduled job already enqueued', { jobId: error.jobId, type: event.type, schedule: event.schedule });
      return { jobId: error.jobId, alreadyEnqueued: true };
    }
  });

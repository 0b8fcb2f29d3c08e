import { jobsRepositoryWakingWaiters } from './jobs-repository';
import { messageSenders } from '../../src/aws/message-providers';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { visibilityTimeoutSeconds } from '../../src/jobs/job-type-config';
import type { HandleJobMessageDeps } from '../../src/jobs/use-cases/handle-job-message';
import { requireEnv } from './environment';
import { sqs } from './clients';
import { deployedJobTypes } from './job-types';
import { jobLog, jobMetrics, tracer } from './powertools';

/**
 * Everything a consumer needs, wired once per execution environment. Its processor, and the
 * providers that processor builds (from the message senders given here), come from the job type's
 * declaration in the registry.
 */
export function createConsumerDependencies(type: string) {
  const queueUrl = requireEnv('JOB_QUEUE_URL');
  const jobTypes = deployedJobTypes();
  const jobType = jobTypes.find(type);
  if (!jobType) throw new Error(`JOB_TYPE ${type} is not in the registry (${jobTypes.names.join(', ')})`);
  const deps: HandleJobMessageDeps = {
    repository: jobsRepositoryWakingWaiters(),
    // A consumer only ever re-sends to its own queue (re-delays), so it knows just that URL.
    queue: new SqsJobQueue(sqs, { [type]: queueUrl }),
    jobTypes,
    // Only workers bundle the SES and SNS clients; traced like every other client.
    senders: messageSenders(process.env, (client) => tracer.captureAWSv3Client(client)),
    log: jobLog,
    metrics: jobMetrics,
    clock: () => new Date(),
    leaseSeconds: visibilityTimeoutSeconds(jobType.config),
  };
  return { deps, sqs, queueUrl };
}

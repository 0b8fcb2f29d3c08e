import { createEmailSender, createSmsSender } from '../../src/aws/message-providers';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import type { JobType } from '../../src/jobs/job';
import { visibilityTimeoutSeconds } from '../../src/jobs/job-type-config';
import { createProcessors } from '../../src/jobs/processors/create-processors';
import { SimulatedCleaner } from '../../src/jobs/providers/simulated-cleaner';
import type { HandleJobMessageDeps } from '../../src/jobs/use-cases/handle-job-message';
import { readJobTypeConfigs, requireEnv } from './environment';
import { documentClient, sqs } from './clients';
import { jobLog, jobMetrics, tracer } from './powertools';

/**
 * Everything a consumer needs, wired once per execution environment. Email and SMS go through SES
 * and SNS when the stack configured them (EMAIL_PROVIDER / SMS_PROVIDER), else they are simulated.
 */
export function createConsumerDependencies(type: JobType) {
  const queueUrl = requireEnv('JOB_QUEUE_URL');
  const configs = readJobTypeConfigs();
  const deps: HandleJobMessageDeps = {
    repository: new DynamoDbJobsRepository(documentClient, requireEnv('JOBS_TABLE_NAME')),
    // A consumer only ever re-sends to its own queue (re-delays), so it knows just that URL.
    queue: new SqsJobQueue(sqs, { [type]: queueUrl }),
    processors: createProcessors({
      emailSender: createEmailSender(process.env, (client) => tracer.captureAWSv3Client(client)),
      smsSender: createSmsSender(process.env, (client) => tracer.captureAWSv3Client(client)),
      cleaner: new SimulatedCleaner(),
    }),
    configs,
    log: jobLog,
    metrics: jobMetrics,
    clock: () => new Date(),
    leaseSeconds: visibilityTimeoutSeconds(configs[type]),
  };
  return { deps, sqs, queueUrl };
}

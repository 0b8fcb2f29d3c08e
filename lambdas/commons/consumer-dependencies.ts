import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import type { JobType } from '../../src/jobs/job';
import { visibilityTimeoutSeconds } from '../../src/jobs/job-type-config';
import { createProcessors } from '../../src/jobs/processors/create-processors';
import { SimulatedCleaner } from '../../src/jobs/providers/simulated-cleaner';
import { SimulatedEmailSender } from '../../src/jobs/providers/simulated-email-sender';
import { SimulatedSmsSender } from '../../src/jobs/providers/simulated-sms-sender';
import type { HandleJobMessageDeps } from '../../src/jobs/use-cases/handle-job-message';
import { readJobTypeConfigs, requireEnv } from './environment';
import { documentClient, sqs } from './clients';
import { jobLog, jobMetrics } from './powertools';

/**
 * Everything a consumer needs, wired once per execution environment. Providers are the simulated
 * ones; a real deployment swaps in SES / SNS implementations of the same interfaces here.
 */
export function createConsumerDependencies(type: JobType) {
  const queueUrl = requireEnv('JOB_QUEUE_URL');
  const configs = readJobTypeConfigs();
  const deps: HandleJobMessageDeps = {
    repository: new DynamoDbJobsRepository(documentClient, requireEnv('JOBS_TABLE_NAME')),
    // A consumer only ever re-sends to its own queue (re-delays), so it knows just that URL.
    queue: new SqsJobQueue(sqs, { [type]: queueUrl }),
    processors: createProcessors({
      emailSender: new SimulatedEmailSender(),
      smsSender: new SimulatedSmsSender(),
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

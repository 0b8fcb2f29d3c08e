import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { JOB_TYPES, type JobType } from '../../src/jobs/job';

/** `EMAIL_<suffix>`, `SMS_<suffix>`, …: the variables lambdas/commons/environment.ts reads. */
export function queueUrlEnvironment(
  queues: Record<JobType, Queue>,
  suffix: 'QUEUE_URL' | 'DLQ_URL',
): Record<string, string> {
  return Object.fromEntries(JOB_TYPES.map((type) => [`${type.toUpperCase()}_${suffix}`, queues[type].queueUrl]));
}

import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { queueUrlVariable } from '../../lambdas/commons/environment';

/** `EMAIL_<suffix>`, `SMS_<suffix>`, …: one variable per job type, as lambdas/commons/environment.ts reads them. */
export function queueUrlEnvironment(
  queues: Readonly<Record<string, Queue>>,
  suffix: 'QUEUE_URL' | 'DLQ_URL',
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(queues).map(([type, queue]) => [queueUrlVariable(type, suffix), queue.queueUrl]),
  );
}

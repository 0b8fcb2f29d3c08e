import { createLambdaClient } from '../../src/aws/aws-clients';
import { LambdaQueueConsumers } from '../../src/aws/lambda-queue-consumers';
import type { QueueConsumers } from '../../src/jobs/ports/queue-consumers';
import { readConsumerMappingIds } from './environment';
import { tracer } from './powertools';

/** Only the queue-control functions talk to the Lambda API: their own module, so no other bundle creates the client. */
export function queueConsumers(types: readonly string[]): QueueConsumers {
  return new LambdaQueueConsumers(tracer.captureAWSv3Client(createLambdaClient()), readConsumerMappingIds(types));
}

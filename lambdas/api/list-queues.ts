import middy from '@middy/core';
import { sqs } from '../commons/clients';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { queueDepth } from '../../src/aws/sqs-queue-depths';
import { queueConsumption } from '../../src/jobs/use-cases/queue-controls';
import { readDeadLetterQueueUrls, readQueueUrls } from '../commons/environment';
import { declaredJobTypes } from '../commons/job-types';
import { queueConsumers } from '../commons/lambda-client';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const { names } = declaredJobTypes();
const queueUrls = readQueueUrls(names);
const deadLetterQueueUrls = readDeadLetterQueueUrls(names);
const consumers = queueConsumers(names);

/**
 * `GET /queues`: per type, messages visible, in flight, delayed, and in the DLQ (approximate, as
 * SQS counts), and whether the queue is paused (its consumer's state, as Lambda reports it).
 */
async function listQueues(): Promise<APIGatewayProxyResult> {
  const queues = await Promise.all(
    names.map(async (type) => {
      const [depth, { paused, consumerState }] = await Promise.all([
        queueDepth(sqs, type, queueUrls[type] ?? '', deadLetterQueueUrls[type] ?? ''),
        queueConsumption({ consumers }, type),
      ]);
      return { ...depth, paused, consumerState };
    }),
  );
  return jsonResponse(200, { queues });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(listQueues);

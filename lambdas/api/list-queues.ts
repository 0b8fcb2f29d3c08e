import middy from '@middy/core';
import { sqs } from '../commons/clients';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { queueDepth } from '../../src/aws/sqs-queue-depths';
import { JOB_TYPES } from '../../src/jobs/job';
import { readDeadLetterQueueUrls, readQueueUrls } from '../commons/environment';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const queueUrls = readQueueUrls();
const deadLetterQueueUrls = readDeadLetterQueueUrls();

/** `GET /queues`: per type, messages visible, in flight, delayed, and in the DLQ (approximate, as SQS counts). */
async function listQueues(): Promise<APIGatewayProxyResult> {
  const queues = await Promise.all(
    JOB_TYPES.map((type) => queueDepth(sqs, type, queueUrls[type], deadLetterQueueUrls[type])),
  );
  return jsonResponse(200, { queues });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(listQueues);

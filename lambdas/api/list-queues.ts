import middy from '@middy/core';
import { sqs } from '../commons/clients';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { queueDepth } from '../../src/aws/sqs-queue-depths';
import { readDeadLetterQueueUrls, readQueueUrls } from '../commons/environment';
import { declaredJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const { names } = declaredJobTypes();
const queueUrls = readQueueUrls(names);
const deadLetterQueueUrls = readDeadLetterQueueUrls(names);

/** `GET /queues`: per type, messages visible, in flight, delayed, and in the DLQ (approximate, as SQS counts). */
async function listQueues(): Promise<APIGatewayProxyResult> {
  const queues = await Promise.all(
    names.map((type) => queueDepth(sqs, type, queueUrls[type] ?? '', deadLetterQueueUrls[type] ?? '')),
  );
  return jsonResponse(200, { queues });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(listQueues);

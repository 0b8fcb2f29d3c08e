import middy from '@middy/core';
import { sqs } from '../commons/clients';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { SqsDeadLetterQueue } from '../../src/aws/sqs-dead-letter-queue';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { redriveDeadLetters, type RedriveDeps } from '../../src/jobs/use-cases/redrive-dead-letters';
import { readDeadLetterQueueUrls, readQueueUrls } from '../commons/environment';
import { jobsRepository } from '../commons/jobs-repository';
import { declaredJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { HttpProblemError } from '../http/problem';
import { problemDetails } from '../http/problem-details';

const jobTypes = declaredJobTypes();
const deadLetterQueueUrls = readDeadLetterQueueUrls(jobTypes.names);
const deps: RedriveDeps = {
  repository: jobsRepository(),
  queue: new SqsJobQueue(sqs, readQueueUrls(jobTypes.names)),
  log: jobLog,
  clock: () => new Date(),
};

/** `POST /queues/{type}/redrive`: moves the type's dead letters back to its queue with fresh attempts. */
async function redrive(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const type = event.pathParameters?.type ?? '';
  const deadLetterQueueUrl = deadLetterQueueUrls[type];
  if (!jobTypes.has(type) || !deadLetterQueueUrl) {
    throw new HttpProblemError(404, 'unknown-job-type', 'Unknown job type', `There is no job type "${type}"`, {
      errors: [{ field: 'type', message: `must be one of ${jobTypes.names.join(', ')}` }],
    });
  }
  const result = await redriveDeadLetters(deps, type, new SqsDeadLetterQueue(sqs, deadLetterQueueUrl));
  return jsonResponse(200, { type, ...result });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(redrive);

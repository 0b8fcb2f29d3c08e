import middy from '@middy/core';
import { documentClient, sqs } from '../commons/clients';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsDeadLetterQueue } from '../../src/aws/sqs-dead-letter-queue';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { isJobType, JOB_TYPES } from '../../src/jobs/job';
import { redriveDeadLetters, type RedriveDeps } from '../../src/jobs/use-cases/redrive-dead-letters';
import { readDeadLetterQueueUrls, readQueueUrls, requireEnv } from '../commons/environment';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { HttpProblemError } from '../http/problem';
import { problemDetails } from '../http/problem-details';

const deadLetterQueueUrls = readDeadLetterQueueUrls();
const deps: RedriveDeps = {
  repository: new DynamoDbJobsRepository(documentClient, requireEnv('JOBS_TABLE_NAME')),
  queue: new SqsJobQueue(sqs, readQueueUrls()),
  log: jobLog,
  clock: () => new Date(),
};

/** `POST /queues/{type}/redrive`: moves the type's dead letters back to its queue with fresh attempts. */
async function redrive(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const type = event.pathParameters?.type ?? '';
  if (!isJobType(type)) {
    throw new HttpProblemError(404, 'unknown-job-type', 'Unknown job type', `There is no job type "${type}"`, {
      errors: [{ field: 'type', message: `must be one of ${JOB_TYPES.join(', ')}` }],
    });
  }
  const result = await redriveDeadLetters(deps, type, new SqsDeadLetterQueue(sqs, deadLetterQueueUrls[type]));
  return jsonResponse(200, { type, ...result });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(redrive);

import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { isJobType, JOB_TYPES } from '../../src/jobs/job';
import { maskJob } from '../../src/jobs/mask-job';
import { submitJob, type SubmitJobDeps } from '../../src/jobs/use-cases/submit-job';
import { readJobTypeConfigs, readQueueUrls, requireEnv } from '../commons/environment';
import { jobLog, logger } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { parseJsonBody } from '../http/json-request-body';
import { HttpProblemError } from '../http/problem';
import { problemDetails } from '../http/problem-details';

const deps: SubmitJobDeps = {
  repository: new DynamoDbJobsRepository(createDocumentClient(), requireEnv('JOBS_TABLE_NAME')),
  queue: new SqsJobQueue(createSqsClient(), readQueueUrls()),
  configs: readJobTypeConfigs(),
  log: jobLog,
  clock: () => new Date(),
  newId: () => randomUUID(),
};

/** The type is the last segment of `/jobs/email`; an unknown `POST /jobs/{id}` lands here too, to be refused with a 404. */
function jobTypeOf(event: APIGatewayProxyEvent): string {
  return event.pathParameters?.id ?? event.resource.split('/').pop() ?? '';
}

async function submit(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const type = jobTypeOf(event);
  if (!isJobType(type)) {
    throw new HttpProblemError(404, 'unknown-job-type', 'Unknown job type', `There is no job type "${type}"`, {
      errors: [{ field: 'type', message: `must be one of ${JOB_TYPES.join(', ')}` }],
    });
  }
  const job = await submitJob(deps, type, parseJsonBody(event));
  return jsonResponse(202, maskJob(job), { Location: `/jobs/${job.id}` });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(injectLambdaContext(logger))
  .handler(submit);

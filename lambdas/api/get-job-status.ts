import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createDocumentClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { requireEnv } from '../commons/environment';
import { jobLog, logger } from '../commons/powertools';
import { findJobOr404 } from '../http/find-job';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const repository = new DynamoDbJobsRepository(createDocumentClient(), requireEnv('JOBS_TABLE_NAME'));

/** `GET /jobs/{id}/status`: answers now with the job's status and version. */
async function getJobStatus(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const job = await findJobOr404(repository, event);
  return jsonResponse(
    200,
    { id: job.id, status: job.status, version: job.version, updatedAt: job.updatedAt },
    { ETag: `"${job.version}"` },
  );
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(injectLambdaContext(logger))
  .handler(getJobStatus);

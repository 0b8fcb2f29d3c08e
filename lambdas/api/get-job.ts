import middy from '@middy/core';
import { documentClient } from '../commons/clients';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { readJobsTableShards, requireEnv } from '../commons/environment';
import { declaredJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { findJobOr404, jobIdOf } from '../http/find-job';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const jobTypes = declaredJobTypes();
const repository = new DynamoDbJobsRepository(documentClient, requireEnv('JOBS_TABLE_NAME'), readJobsTableShards());

/** `GET /jobs/{id}`: the whole job, with message bodies masked. */
async function getJob(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const job = await findJobOr404(repository, jobIdOf(event));
  return jsonResponse(200, jobTypes.maskJob(job), { ETag: `"${job.version}"` });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(getJob);

import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { jobsRepository } from '../commons/jobs-repository';
import { declaredJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { findJobOr404, jobIdOf } from '../http/find-job';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const jobTypes = declaredJobTypes();
const repository = jobsRepository();

/** `GET /jobs/{id}`: the whole job, with message bodies masked. */
async function getJob(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const job = await findJobOr404(repository, jobIdOf(event));
  return jsonResponse(200, jobTypes.maskJob(job), { ETag: `"${job.version}"` });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(getJob);

import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { jobsRepositoryWakingWaiters } from '../commons/jobs-repository';
import { cancelJob, type CancelJobDeps } from '../../src/jobs/use-cases/cancel-job';
import { declaredJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { jobIdOf } from '../http/find-job';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const jobTypes = declaredJobTypes();
const deps: CancelJobDeps = {
  repository: jobsRepositoryWakingWaiters(),
  log: jobLog,
  clock: () => new Date(),
};

/** `DELETE /jobs/{id}`: cancels a job that has not started; 409 once it runs or has finished. */
async function cancel(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const job = await cancelJob(deps, jobIdOf(event));
  return jsonResponse(200, jobTypes.maskJob(job), { ETag: `"${job.version}"` });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(cancel);

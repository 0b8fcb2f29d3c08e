import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { jobsRepositoryWakingWaiters } from '../commons/jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { retryJob, type RetryJobDeps } from '../../src/jobs/use-cases/retry-job';
import { sqs } from '../commons/clients';
import { readQueueUrls } from '../commons/environment';
import { deployedJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { jobIdOf } from '../http/find-job';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const jobTypes = deployedJobTypes();
const deps: RetryJobDeps = {
  repository: jobsRepositoryWakingWaiters(),
  queue: new SqsJobQueue(sqs, readQueueUrls(jobTypes.names)),
  jobTypes,
  log: jobLog,
  clock: () => new Date(),
};

/** `POST /jobs/{id}/retry`: a failed job back to queued with fresh attempts; 409 in any other status. */
async function retry(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const job = await retryJob(deps, jobIdOf(event));
  return jsonResponse(200, jobTypes.maskJob(job), { ETag: `"${job.version}"` });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(retry);

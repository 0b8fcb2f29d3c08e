import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { maskJob, NO_MASKING } from '../../src/jobs/mask-job';
import { createExternalJob, type ExternalJobDeps } from '../../src/jobs/use-cases/external-jobs';
import { jobsRepository } from '../commons/jobs-repository';
import { jobLog, observability } from '../commons/powertools';
import { parseJsonBody } from '../http/json-request-body';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const deps: ExternalJobDeps = {
  repository: jobsRepository(),
  log: jobLog,
  clock: () => new Date(),
};

/** `POST /jobs` with an optional `{id, payload}`: a job an external system drives; 409 if the id exists. */
async function create(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body = event.body ? parseJsonBody(event) : {};
  const job = await createExternalJob(deps, body);
  return jsonResponse(201, maskJob(job, NO_MASKING), { Location: `/jobs/${job.id}`, ETag: `"${job.version}"` });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(create);

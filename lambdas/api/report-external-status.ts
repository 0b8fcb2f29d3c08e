import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { jobsRepositoryWakingWaiters } from '../commons/jobs-repository';
import { maskJob, NO_MASKING } from '../../src/jobs/mask-job';
import { reportExternalStatus, type ExternalJobDeps } from '../../src/jobs/use-cases/external-jobs';
import { jobLog, observability } from '../commons/powertools';
import { jobIdOf } from '../http/find-job';
import { parseJsonBody, requestHeader } from '../http/json-request-body';
import { jsonResponse } from '../http/json-response';
import { HttpProblemError } from '../http/problem';
import { problemDetails } from '../http/problem-details';

const deps: ExternalJobDeps = {
  repository: jobsRepositoryWakingWaiters(),
  log: jobLog,
  clock: () => new Date(),
};

function expectedVersion(event: APIGatewayProxyEvent): number | undefined {
  const ifMatch = requestHeader(event, 'if-match');
  if (ifMatch === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(ifMatch.trim());
  if (!match) {
    throw new HttpProblemError(
      400,
      'validation',
      'Invalid request',
      'If-Match must be a job version ETag such as "3"',
      {
        errors: [{ field: 'If-Match', message: 'must be an ETag such as "3"' }],
      },
    );
  }
  return Number(match[1]);
}

/** `PUT /jobs/{id}` `{status}`: an external system reports its job's status; `If-Match` guards against stale reports. */
async function report(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const job = await reportExternalStatus(deps, jobIdOf(event), parseJsonBody(event), expectedVersion(event));
  return jsonResponse(200, maskJob(job, NO_MASKING), { ETag: `"${job.version}"` });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(report);

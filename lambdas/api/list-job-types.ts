import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { deployedJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

// Computed once: the registry and this deployment's configuration do not change while it runs.
const body = { jobTypes: deployedJobTypes().describe() };

/** `GET /job-types`: each type's name, payload JSON Schema, masked fields and configuration. */
async function listJobTypes(): Promise<APIGatewayProxyResult> {
  return jsonResponse(200, body, { 'Cache-Control': 'max-age=60' });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(listJobTypes);

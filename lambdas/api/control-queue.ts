import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { setQueuePaused, type QueueControlDeps } from '../../src/jobs/use-cases/queue-controls';
import { declaredJobTypes } from '../commons/job-types';
import { queueConsumers } from '../commons/lambda-client';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { HttpProblemError } from '../http/problem';
import { problemDetails } from '../http/problem-details';

const jobTypes = declaredJobTypes();
const deps: QueueControlDeps = { consumers: queueConsumers(jobTypes.names), log: jobLog };

/** `POST /queues/{type}/pause` and `/resume`: the type's consumer stops or starts taking jobs from its queue. */
async function controlQueue(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const type = event.pathParameters?.type ?? '';
  if (!jobTypes.has(type)) {
    throw new HttpProblemError(404, 'unknown-job-type', 'Unknown job type', `There is no job type "${type}"`, {
      errors: [{ field: 'type', message: `must be one of ${jobTypes.names.join(', ')}` }],
    });
  }
  const paused = event.resource.endsWith('/pause');
  return jsonResponse(200, await setQueuePaused(deps, type, paused));
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(controlQueue);

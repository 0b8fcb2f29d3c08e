import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import { sqs } from '../commons/clients';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { submitJob, type SubmitJobDeps } from '../../src/jobs/use-cases/submit-job';
import { readQueueUrls, requireEnv } from '../commons/environment';
import { jobsRepository } from '../commons/jobs-repository';
import { deployedJobTypes } from '../commons/job-types';
import { jobLog, jobMetrics, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { parseJsonBody } from '../http/json-request-body';
import { HttpProblemError } from '../http/problem';
import { problemDetails } from '../http/problem-details';

const jobTypes = deployedJobTypes();
const deps: SubmitJobDeps = {
  repository: jobsRepository(),
  queue: new SqsJobQueue(sqs, readQueueUrls(jobTypes.names)),
  jobTypes,
  log: jobLog,
  metrics: jobMetrics,
  clock: () => new Date(),
  newId: () => randomUUID(),
};

/**
 * `Idempotency-Key` makes a submission safe to retry: for 24 h the same key returns the job it
 * created (200, marked Idempotent-Replayed), the same key with a different body or path is a 422,
 * and a concurrent duplicate is a 409. A failed submission releases its key.
 */
const powertoolsIdempotency = makeHandlerIdempotent({
  persistenceStore: new DynamoDBPersistenceLayer({
    tableName: requireEnv('IDEMPOTENCY_TABLE_NAME'),
    awsSdkV3Client: new DynamoDBClient({}),
  }),
  config: new IdempotencyConfig({
    eventKeyJmesPath: 'headers."idempotency-key"',
    payloadValidationJmesPath: '[resource, body]',
    expiresAfterSeconds: 24 * 60 * 60,
    responseHook: (response) => {
      const replayed = response as unknown as APIGatewayProxyResult;
      return {
        ...replayed,
        statusCode: 200,
        headers: { ...replayed.headers, 'Idempotent-Replayed': 'true' },
      } as unknown as typeof response;
    },
  }),
});

/** The requests that hold their key's in-progress record (their own submission runs). */
const holdingKey = new WeakSet<object>();

/**
 * Powertools' middleware deletes the key's in-progress record on any error, its own included: a
 * concurrent duplicate that it refuses with "already in progress" (409) thereby deleted the first
 * request's record, and the duplicate's retry then submitted a second job under the same key
 * (seen: one key, four jobs, in test/e2e/mixed-load.test.ts). Only the request that holds the
 * record may release it, when its own submission fails.
 */
const idempotency: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> = {
  before: async (request) => {
    const replayed: unknown = await powertoolsIdempotency.before!(request as never);
    if (replayed === undefined) holdingKey.add(request);
    return replayed as never;
  },
  after: (request) => powertoolsIdempotency.after!(request as never),
  onError: async (request) => {
    if (holdingKey.has(request)) await powertoolsIdempotency.onError!(request as never);
  },
};

/** The type is the last segment of `/jobs/<type>`; an unknown `POST /jobs/{id}` lands here too, to be refused with a 404. */
function jobTypeOf(event: APIGatewayProxyEvent): string {
  return event.pathParameters?.id ?? event.resource.split('/').pop() ?? '';
}

async function submit(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const type = jobTypeOf(event);
  if (!jobTypes.has(type)) {
    throw new HttpProblemError(404, 'unknown-job-type', 'Unknown job type', `There is no job type "${type}"`, {
      errors: [{ field: 'type', message: `must be one of ${jobTypes.names.join(', ')}` }],
    });
  }
  const job = await submitJob(deps, type, parseJsonBody(event), {
    idempotencyKey: event.headers['idempotency-key'] || undefined,
  });
  return jsonResponse(202, jobTypes.maskJob(job), { Location: `/jobs/${job.id}` });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(httpHeaderNormalizer())
  .use(problemDetails(jobLog))
  .use(observability())
  .use(idempotency)
  .handler(submit);

import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbJobListing } from '../../src/aws/dynamodb-job-listing';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { CursorSigner, withSignedCursors } from '../../src/jobs/signed-cursors';
import {
  parseBulkRetryRequest,
  retryFailedJobs,
  type RetryFailedJobsDeps,
} from '../../src/jobs/use-cases/retry-failed-jobs';
import { documentClient, sqs } from '../commons/clients';
import { readJobsTableShards, readQueueUrls, requireEnv } from '../commons/environment';
import { deployedJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { parseJsonBody } from '../http/json-request-body';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const jobTypes = deployedJobTypes();
const tableName = requireEnv('JOBS_TABLE_NAME');
const shards = readJobsTableShards();
const deps: RetryFailedJobsDeps = {
  repository: new DynamoDbJobsRepository(documentClient, tableName, shards),
  queue: new SqsJobQueue(sqs, readQueueUrls(jobTypes.names)),
  // Cursors are listing positions: signed, so a crafted one never reaches DynamoDB.
  listing: withSignedCursors(
    new DynamoDbJobListing(documentClient, tableName, jobTypes.names, shards.listing),
    new CursorSigner(requireEnv('CURSOR_SIGNING_KEY')),
  ),
  jobTypes,
  log: jobLog,
  clock: () => new Date(),
};

/** `POST /jobs/retry`: counts (dryRun) or retries, in batches, the failed jobs matching a filter. */
async function retryFailed(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const request = parseBulkRetryRequest(parseJsonBody(event), jobTypes.names);
  const result = await retryFailedJobs(deps, request);
  if (!result.dryRun)
    jobLog.info('Failed jobs retried in bulk', {
      filter: request.filter,
      retried: result.retried?.length,
      remaining: result.remaining,
    });
  return jsonResponse(200, result);
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(retryFailed);

import middy from '@middy/core';
import { documentClient } from '../commons/clients';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbJobListing } from '../../src/aws/dynamodb-job-listing';
import { parseJobListQuery } from '../../src/jobs/job-list-query';
import { CursorSigner, withSignedCursors } from '../../src/jobs/signed-cursors';
import { readJobsTableShards, requireEnv } from '../commons/environment';
import { declaredJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const jobTypes = declaredJobTypes();
const listing = withSignedCursors(
  new DynamoDbJobListing(documentClient, requireEnv('JOBS_TABLE_NAME'), jobTypes.names, readJobsTableShards().listing),
  new CursorSigner(requireEnv('CURSOR_SIGNING_KEY')),
);

/** `GET /jobs?status=&type=&limit=&cursor=`: newest first, summaries only (no payload, result or error message). */
async function listJobs(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const { filter, limit, cursor } = parseJobListQuery(event.queryStringParameters ?? {}, jobTypes.names);
  const page = await listing.list(filter, limit, cursor);
  return jsonResponse(200, {
    jobs: page.jobs,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(listJobs);

import middy from '@middy/core';
import { documentClient } from '../commons/clients';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbJobListing } from '../../src/aws/dynamodb-job-listing';
import { requireEnv } from '../commons/environment';
import { declaredJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const listing = new DynamoDbJobListing(documentClient, requireEnv('JOBS_TABLE_NAME'), declaredJobTypes().names);

/**
 * `GET /stats`: retained jobs per status and type. It reads the status index, so its cost grows
 * with the jobs retained; clients may cache it for 5 s, and the dashboard refreshes no faster.
 */
async function getStats(): Promise<APIGatewayProxyResult> {
  const counts = await listing.countByStatusAndType();
  return jsonResponse(200, { counts }, { 'Cache-Control': 'max-age=5' });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(getStats);

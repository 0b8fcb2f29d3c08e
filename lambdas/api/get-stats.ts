import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbJobCounters } from '../../src/aws/dynamodb-job-counters';
import { documentClient } from '../commons/clients';
import { requireEnv } from '../commons/environment';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const counters = new DynamoDbJobCounters(documentClient, requireEnv('COUNTERS_TABLE_NAME'));

/**
 * `GET /stats`: retained jobs per status and type, from the counters the jobs table's stream
 * keeps (one small Query, whatever the number of jobs). Clients may cache it for 5 s.
 */
async function getStats(): Promise<APIGatewayProxyResult> {
  return jsonResponse(200, { counts: await counters.counts() }, { 'Cache-Control': 'max-age=5' });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(getStats);

import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbJobCounters } from '../../src/aws/dynamodb-job-counters';
import { parseStatsSeriesQuery, statsSeries } from '../../src/jobs/use-cases/stats-series';
import { documentClient } from '../commons/clients';
import { requireEnv } from '../commons/environment';
import { declaredJobTypes } from '../commons/job-types';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const counters = new DynamoDbJobCounters(documentClient, requireEnv('COUNTERS_TABLE_NAME'));
const jobTypes = declaredJobTypes().names;

/** `GET /stats/series?minutes=60&type=`: per type and minute, submitted / completed / failed and p50 / p95 durations. */
async function getStatsSeries(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const query = parseStatsSeriesQuery(event.queryStringParameters ?? {}, jobTypes);
  const series = await statsSeries(counters, jobTypes, query, new Date());
  return jsonResponse(200, series, { 'Cache-Control': 'max-age=5' });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(getStatsSeries);

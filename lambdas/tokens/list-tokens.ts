import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { listTokens } from '../../src/tokens/use-cases/manage-tokens';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';
import { tokenDependencies } from './token-dependencies';

const deps = tokenDependencies();

/** `GET /tokens`: every token's id, name, scopes and creation time (never the token or its hash). */
async function list(): Promise<APIGatewayProxyResult> {
  return jsonResponse(200, { tokens: await listTokens(deps) });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(list);

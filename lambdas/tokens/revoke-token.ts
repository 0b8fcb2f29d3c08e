import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { revokeToken } from '../../src/tokens/use-cases/manage-tokens';
import { jobLog, observability } from '../commons/powertools';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';
import { tokenDependencies } from './token-dependencies';

const deps = tokenDependencies();

/** `DELETE /tokens/{id}`: deletes the token and its usage-plan key; 404 for an unknown id. */
async function revoke(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const revoked = await revokeToken(deps, event.pathParameters?.id ?? '');
  jobLog.info('Token revoked', { tokenId: revoked.id, by: event.requestContext.authorizer?.tokenId });
  return jsonResponse(200, revoked);
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(revoke);

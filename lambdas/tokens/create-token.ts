import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { issueToken } from '../../src/tokens/use-cases/manage-tokens';
import { jobLog, observability } from '../commons/powertools';
import { parseJsonBody } from '../http/json-request-body';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';
import { tokenDependencies } from './token-dependencies';

const deps = tokenDependencies();

/** `POST /tokens` `{name, scopes, token?}`: a new token, shown in this response only. */
async function create(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const issued = await issueToken(deps, parseJsonBody(event));
  jobLog.info('Token created', {
    tokenId: issued.id,
    scopes: issued.scopes,
    by: event.requestContext.authorizer?.tokenId,
  });
  return jsonResponse(201, issued, { Location: `/tokens/${issued.id}` });
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(create);

import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { DynamoDbTokenStore } from '../../src/aws/dynamodb-token-store';
import { credentialOf } from '../../src/tokens/api-token';
import type { RouteScopes } from '../../src/tokens/token-scopes';
import { authorizeRequest } from '../../src/tokens/use-cases/authorize-request';
import { documentClient } from '../commons/clients';
import { requireEnv } from '../commons/environment';
import { logger } from '../commons/powertools';

const deps = {
  store: new DynamoDbTokenStore(documentClient, requireEnv('TOKENS_TABLE_NAME')),
  // The one route → scope table, written by the CDK route definitions (lib/constructs/jobs-api.ts).
  routes: JSON.parse(requireEnv('ROUTE_SCOPES')) as RouteScopes,
};

/**
 * The REQUEST authorizer: the bearer token (or a legacy x-api-key) → its scopes. API Gateway
 * caches the answer per identity source (the token and the route), so the policy allows exactly
 * this route's method ARN with its path parameters as wildcards.
 */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const decision = await authorizeRequest(deps, {
    credential: credentialOf(event.headers),
    httpMethod: event.httpMethod,
    resourcePath: event.resource,
  });
  // API Gateway answers 401 when the authorizer fails with exactly this message.
  if (decision.outcome === 'unauthorized') throw new Error('Unauthorized');
  const resource = routeArn(event.methodArn, event.httpMethod, event.resource);
  if (decision.outcome === 'deny') {
    logger.info('Token refused', { reason: decision.reason, tokenId: decision.tokenId, route: resource });
    return { principalId: decision.tokenId ?? 'unknown', policyDocument: policy('Deny', resource) };
  }
  const { token } = decision;
  return {
    principalId: token.id,
    policyDocument: policy('Allow', resource),
    context: { tokenId: token.id, tokenName: token.name, scopes: token.scopes.join(' ') },
    usageIdentifierKey: token.usageKeyValue,
  };
}

/** arn:…:apiId/stage/GET/jobs/abc → arn:…:apiId/stage/GET/jobs/* (the route, not this one path). */
function routeArn(methodArn: string, httpMethod: string, resourcePath: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/${httpMethod}${resourcePath.replace(/\{[^}]+\}/g, '*')}`;
}

function policy(effect: 'Allow' | 'Deny', resource: string): APIGatewayAuthorizerResult['policyDocument'] {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] };
}

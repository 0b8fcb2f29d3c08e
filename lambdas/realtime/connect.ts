import middy from '@middy/core';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { DynamoDbTokenStore } from '../../src/aws/dynamodb-token-store';
import { tokenWithReadScope, type ConnectCheck } from '../../src/jobs/realtime/connection-credentials';
import { documentClient } from '../commons/clients';
import { requireEnv } from '../commons/environment';
import { logger, observability } from '../commons/powertools';

/** The `$connect` event carries the upgrade request's query and headers, which the V2 type leaves out. */
type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
};

const allows: ConnectCheck = tokenWithReadScope(
  new DynamoDbTokenStore(documentClient, requireEnv('TOKENS_TABLE_NAME')),
);

/** `$connect`: a non-2xx answer refuses the upgrade, so an unauthenticated client never holds a connection. */
async function connect(event: ConnectEvent): Promise<APIGatewayProxyResult> {
  const allowed = await allows({
    queryStringParameters: event.queryStringParameters ?? null,
    headers: event.headers ?? null,
  });
  if (!allowed) {
    logger.info('WebSocket connection refused', { connectionId: event.requestContext.connectionId });
    return { statusCode: 403, body: 'Forbidden' };
  }
  return { statusCode: 200, body: '' };
}

export const handler = middy<ConnectEvent, APIGatewayProxyResult, Error, Context>()
  .use(observability())
  .handler(connect);

import middy from '@middy/core';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { ApiGatewayConnectionPoster, createConnectionsClient } from '../../src/aws/api-gateway-connection-poster';
import { DynamoDbSubscriptionStore } from '../../src/aws/dynamodb-subscription-store';
import type { MessageProblem, ServerMessage } from '../../src/jobs/realtime/server-messages';
import { parseSubscriptionRequest } from '../../src/jobs/realtime/subscriptions';
import { handleSubscriptionRequest, type JobSubscriptionDeps } from '../../src/jobs/use-cases/job-subscriptions';
import { documentClient } from '../commons/clients';
import { requireEnv } from '../commons/environment';
import { jobsRepository } from '../commons/jobs-repository';
import { jobLog, observability, tracer } from '../commons/powertools';
import { toProblemResponse } from '../http/problem-details';

const deps: JobSubscriptionDeps = {
  store: new DynamoDbSubscriptionStore(documentClient, requireEnv('SUBSCRIPTIONS_TABLE_NAME')),
  poster: new ApiGatewayConnectionPoster(
    tracer.captureAWSv3Client(createConnectionsClient(requireEnv('WEBSOCKET_CALLBACK_URL'))),
  ),
  repository: jobsRepository(),
  clock: () => new Date(),
};

/**
 * `subscribe`, `unsubscribe` and `$default`. Whatever goes wrong is answered on the connection as
 * an `error` message carrying the REST API's problem for it (a 400 naming each bad field for bad
 * input); the connection stays open.
 */
async function onMessage(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> {
  const { connectionId } = event.requestContext;
  try {
    await handleSubscriptionRequest(deps, connectionId, parseSubscriptionRequest(event.body));
  } catch (error) {
    const problem = JSON.parse(toProblemResponse(error, jobLog).body) as MessageProblem;
    await deps.poster.post(connectionId, { type: 'error', problem } satisfies ServerMessage).catch(() => undefined);
  }
  return { statusCode: 200, body: '' };
}

export const handler = middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResult, Error, Context>()
  .use(observability())
  .handler(onMessage);

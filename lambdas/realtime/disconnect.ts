import middy from '@middy/core';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { DynamoDbSubscriptionStore } from '../../src/aws/dynamodb-subscription-store';
import { forgetConnection } from '../../src/jobs/use-cases/job-subscriptions';
import { documentClient } from '../commons/clients';
import { requireEnv } from '../commons/environment';
import { observability } from '../commons/powertools';

const store = new DynamoDbSubscriptionStore(documentClient, requireEnv('SUBSCRIPTIONS_TABLE_NAME'));

/** `$disconnect`: the connection's subscriptions go with it (best effort on AWS; TTL and 410s catch the rest). */
export const handler = middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResult, Error, Context>()
  .use(observability())
  .handler(async (event) => {
    await forgetConnection({ store }, event.requestContext.connectionId);
    return { statusCode: 200, body: '' };
  });

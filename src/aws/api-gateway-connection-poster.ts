import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionPoster, PostOutcome } from '../jobs/ports/subscriptions';
import { mapOverload } from './aws-error-mapping';

/**
 * The @connections API's client, created once. Its endpoint is the WebSocket stage's callback URL
 * (each API has its own, so the CDK passes it in), unless the SDK's standard
 * AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI variable names another (the local stack sets it).
 */
export function createConnectionsClient(callbackUrl: string): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint: process.env.AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI ?? callbackUrl,
  });
}

/** Posts through @connections: a 410 (GoneException) means the client is gone, not that the post failed. */
export class ApiGatewayConnectionPoster implements ConnectionPoster {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async post(connectionId: string, message: unknown): Promise<PostOutcome> {
    try {
      await this.client.send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: new TextEncoder().encode(JSON.stringify(message)),
        }),
      );
      return 'sent';
    } catch (error) {
      if (
        error instanceof GoneException ||
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410
      )
        return 'gone';
      return mapOverload('API Gateway @connections')(error);
    }
  }
}

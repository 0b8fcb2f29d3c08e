import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionPoster, PostOutcome } from '../jobs/ports/subscriptions';
import { mapOverload } from './aws-error-mapping';

export interface ConnectionsClientOptions {
  /** The SDK's attempts per call (its default is 3); 1 when the caller retries by itself. */
  maxAttempts?: number;
  /**
   * A call whose socket stays silent this long fails (TimeoutError). Counted on the socket, not
   * from the call's start, so a post queued behind many others for a socket does not time out.
   */
  socketTimeoutMs?: number;
}

/**
 * The @connections API's client, created once. Its endpoint is the WebSocket stage's callback URL
 * (each API has its own, so the CDK passes it in), unless the SDK's standard
 * AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI variable names another (the local stack sets it).
 */
export function createConnectionsClient(
  callbackUrl: string,
  options: ConnectionsClientOptions = {},
): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint: process.env.AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI ?? callbackUrl,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.socketTimeoutMs === undefined ? {} : { requestHandler: { socketTimeout: options.socketTimeoutMs } }),
  });
}

const isGone = (error: unknown) =>
  error instanceof GoneException ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410;

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
      if (isGone(error)) return 'gone';
      return mapOverload('API Gateway @connections')(error);
    }
  }

  /** DeleteConnection: API Gateway closes the socket and runs `$disconnect`. */
  async close(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (isGone(error)) return;
      mapOverload('API Gateway @connections')(error);
    }
  }
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { sdkFaultInjection } from './sdk-fault-injection';

/**
 * Clients are created once per execution environment and carry no endpoint: the SDK's standard
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS variables point them at LocalStack or the
 * embedded local stack, so the same code runs everywhere.
 */
export function createDocumentClient(client = new DynamoDBClient({})): DynamoDBDocumentClient {
  // The document client shares the wrapped client's middleware stack.
  client.middlewareStack.use(sdkFaultInjection());
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/**
 * Queue URLs are used as given rather than as endpoints: emulators hand out URLs on hosts that do
 * not resolve, and on AWS the regional endpoint is the same host anyway.
 */
export function createSqsClient(): SQSClient {
  const client = new SQSClient({ useQueueUrlAsEndpoint: false });
  client.middlewareStack.use(sdkFaultInjection());
  return client;
}

/** For the Lambda API (event source mappings); AWS_ENDPOINT_URL_LAMBDA points it at the local stack's. */
export function createLambdaClient(): LambdaClient {
  const client = new LambdaClient({});
  client.middlewareStack.use(sdkFaultInjection());
  return client;
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Where the emulators listen. */
export interface EmulatorEndpoints {
  dynamodb: string;
  sqs: string;
  region: string;
  /** The local stack's API Gateway control plane (API keys, usage plan keys), when it runs one. */
  apiGateway?: string;
  /** The local stack's Lambda API (event source mappings), when it runs one. */
  lambda?: string;
}

/** Plain alphanumerics: DynamoDB Local rejects access keys containing `_` or `-`. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export function createDynamoDbClient(endpoints: EmulatorEndpoints): DynamoDBClient {
  return new DynamoDBClient({ endpoint: endpoints.dynamodb, region: endpoints.region, credentials: LOCAL_CREDENTIALS });
}

export function createDynamoDbStreamsClient(endpoints: EmulatorEndpoints): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({
    endpoint: endpoints.dynamodb,
    region: endpoints.region,
    credentials: LOCAL_CREDENTIALS,
  });
}

/** fauxqs queue URLs use the host sqs.<region>.localhost, which does not resolve everywhere: always talk to the endpoint. */
export function createSqsClient(endpoints: EmulatorEndpoints): SQSClient {
  return new SQSClient({
    endpoint: endpoints.sqs,
    region: endpoints.region,
    credentials: LOCAL_CREDENTIALS,
    useQueueUrlAsEndpoint: false,
  });
}

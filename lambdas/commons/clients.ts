import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { tracer } from './powertools';

/** Created once per execution environment at cold start, traced by X-Ray when running in Lambda. */
export const documentClient = createDocumentClient(tracer.captureAWSv3Client(new DynamoDBClient({})));
export const sqs = tracer.captureAWSv3Client(createSqsClient());

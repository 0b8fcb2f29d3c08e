import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Waiter, WaiterRegistry } from '../jobs/ports/waiter-registry';
import { mapOverload } from './aws-error-mapping';
import { queryAll } from './dynamodb-query-all';

/** The waiters table: partition key `jobId`, sort key `waiterId`, TTL on `expiresAt`. */
export class DynamoDbWaiterRegistry implements WaiterRegistry {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async register(waiter: Waiter): Promise<void> {
    await this.documentClient
      .send(new PutCommand({ TableName: this.tableName, Item: waiter }))
      .catch(mapOverload('DynamoDB'));
  }

  async deregister(waiter: Waiter): Promise<void> {
    await this.documentClient
      .send(new DeleteCommand({ TableName: this.tableName, Key: { jobId: waiter.jobId, waiterId: waiter.waiterId } }))
      .catch(mapOverload('DynamoDB'));
  }

  async waitersOf(jobId: string): Promise<Waiter[]> {
    const now = Math.floor(Date.now() / 1000);
    const waiters = await queryAll<Waiter>(this.documentClient, {
      TableName: this.tableName,
      KeyConditionExpression: 'jobId = :jobId',
      ExpressionAttributeValues: { ':jobId': jobId },
      // A waiter that registered just before the change must be seen: an eventually consistent
      // read could miss it and leave it waiting until its timeout.
      ConsistentRead: true,
    });
    // TTL deletes lazily: an expired registration may still be listed.
    return waiters.filter((waiter) => waiter.expiresAt > now);
  }
}

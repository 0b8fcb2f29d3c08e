import { BatchWriteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Subscription, SubscriptionStore } from '../jobs/ports/subscriptions';
import { targetKey, type SubscriptionTarget } from '../jobs/realtime/subscriptions';
import { mapOverload } from './aws-error-mapping';
import { queryAll } from './dynamodb-query-all';

/** The GSI listing a connection's subscriptions (partition key `connectionId`, sort key `targetKey`, keys only). */
export const SUBSCRIPTIONS_BY_CONNECTION_INDEX = 'byConnection';

interface SubscriptionItem {
  targetKey: string;
  connectionId: string;
  target: SubscriptionTarget;
  expiresAt: number;
}

/** DynamoDB caps BatchWriteItem at 25 requests. */
const BATCH_WRITE_LIMIT = 25;
/** Rounds of resending UnprocessedItems before the rest is left to TTL. */
const UNPROCESSED_ROUNDS = 5;

/**
 * The subscriptions table: partition key `targetKey` (`job#<id>` or `filter#<type>#<status>`),
 * sort key `connectionId`, TTL on `expiresAt`, and the {@link SUBSCRIPTIONS_BY_CONNECTION_INDEX}
 * GSI. The notifier's lookups are Queries by exact key; a connection's removal is a Query on the
 * index and batched deletes.
 */
export class DynamoDbSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(subscriptions: Subscription[]): Promise<void> {
    await Promise.all(
      subscriptions.map((subscription) =>
        this.documentClient
          .send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                targetKey: targetKey(subscription.target),
                connectionId: subscription.connectionId,
                target: subscription.target,
                expiresAt: subscription.expiresAt,
              } satisfies SubscriptionItem,
            }),
          )
          .catch(mapOverload('DynamoDB')),
      ),
    );
  }

  async remove(connectionId: string, targets: SubscriptionTarget[]): Promise<void> {
    await this.deleteKeys(targets.map((target) => ({ targetKey: targetKey(target), connectionId })));
  }

  async subscribersOf(targetKeys: string[]): Promise<Subscription[]> {
    const now = Math.floor(Date.now() / 1000);
    const pages = await Promise.all(targetKeys.map((key) => this.queryAll({ key })));
    // TTL deletes lazily: an expired subscription may still be listed.
    return pages
      .flat()
      .filter((item) => item.expiresAt > now)
      .map(({ connectionId, target, expiresAt }) => ({ connectionId, target, expiresAt }));
  }

  async removeConnection(connectionId: string): Promise<void> {
    const items = await this.queryAll({ connectionId });
    await this.deleteKeys(items.map((item) => ({ targetKey: item.targetKey, connectionId })));
  }

  private queryAll(by: { key: string } | { connectionId: string }): Promise<SubscriptionItem[]> {
    return queryAll<SubscriptionItem>(this.documentClient, {
      TableName: this.tableName,
      ...('key' in by
        ? {
            KeyConditionExpression: 'targetKey = :key',
            ExpressionAttributeValues: { ':key': by.key },
            // A subscription stored just before the change must be seen, or its client misses it.
            ConsistentRead: true,
          }
        : {
            IndexName: SUBSCRIPTIONS_BY_CONNECTION_INDEX,
            KeyConditionExpression: 'connectionId = :connectionId',
            ExpressionAttributeValues: { ':connectionId': by.connectionId },
          }),
    });
  }

  private async deleteKeys(keys: { targetKey: string; connectionId: string }[]): Promise<void> {
    for (let start = 0; start < keys.length; start += BATCH_WRITE_LIMIT) {
      let requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string] = keys
        .slice(start, start + BATCH_WRITE_LIMIT)
        .map((Key) => ({ DeleteRequest: { Key } }));
      for (let round = 0; requests.length > 0 && round < UNPROCESSED_ROUNDS; round += 1) {
        const result = await this.documentClient
          .send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }))
          .catch(mapOverload('DynamoDB'));
        requests = result.UnprocessedItems?.[this.tableName] ?? [];
        if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      }
    }
  }
}

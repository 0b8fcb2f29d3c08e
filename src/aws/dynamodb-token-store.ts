import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TokenAlreadyExistsError } from '../jobs/errors/token-already-exists-error';
import type { StoredToken, TokenStore } from '../tokens/ports/token-store';
import { mapOverload } from './aws-error-mapping';

/** The tokens table: one item per token, keyed by its id, holding the token's hash (never the token). */
export class DynamoDbTokenStore implements TokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(token: StoredToken): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: token, ConditionExpression: 'attribute_not_exists(id)' }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new TokenAlreadyExistsError(token.id);
      mapOverload('DynamoDB (tokens)')(error);
    }
  }

  async get(id: string): Promise<StoredToken | undefined> {
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }))
      .catch(mapOverload('DynamoDB (tokens)'));
    return Item as StoredToken | undefined;
  }

  /** A scan: the table holds one item per client, a handful to a few thousand. */
  async list(): Promise<StoredToken[]> {
    const tokens: StoredToken[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client
        .send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }))
        .catch(mapOverload('DynamoDB (tokens)'));
      tokens.push(...((page.Items ?? []) as StoredToken[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return tokens;
  }

  async delete(id: string): Promise<StoredToken | undefined> {
    const { Attributes } = await this.client
      .send(new DeleteCommand({ TableName: this.tableName, Key: { id }, ReturnValues: 'ALL_OLD' }))
      .catch(mapOverload('DynamoDB (tokens)'));
    return Attributes as StoredToken | undefined;
  }
}

import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapOverload } from './aws-error-mapping';

type Key = Record<string, unknown>;

/** BatchGetItem takes at most this many keys per request. */
const BATCH_GET_LIMIT = 100;

export interface BatchGetRetry {
  /** Requests per chunk of keys before giving up on what DynamoDB left unprocessed (it does so when throttled). */
  readonly rounds: number;
  /** How long to wait before re-sending a chunk's unprocessed keys (default: no wait). */
  readonly backoffMs?: (round: number) => number;
  /** The error for a chunk whose keys are still unprocessed after `rounds` requests. */
  readonly exhausted: (chunk: readonly Key[], rounds: number) => Error;
}

/**
 * The items of any number of keys, in chunks of 100, unprocessed keys re-sent as `retry` says;
 * keys with no item are left out. Throttling maps to the overload error handlers answer with 503,
 * as for any single call.
 */
export async function batchGetAll<Item>(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Key[],
  read: { readonly consistent?: boolean; readonly attributes?: readonly string[] },
  retry: BatchGetRetry,
): Promise<Item[]> {
  const names = read.attributes && Object.fromEntries(read.attributes.map((attribute, i) => [`#a${i}`, attribute]));
  const items: Item[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    const chunk = keys.slice(start, start + BATCH_GET_LIMIT);
    let pending: Key[] = chunk;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= retry.rounds) throw retry.exhausted(chunk, round);
      if (round > 0 && retry.backoffMs) await new Promise((resolve) => setTimeout(resolve, retry.backoffMs!(round)));
      const answer = await documentClient
        .send(
          new BatchGetCommand({
            RequestItems: {
              [tableName]: {
                Keys: pending,
                ...(read.consistent ? { ConsistentRead: true } : {}),
                ...(names
                  ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names }
                  : {}),
              },
            },
          }),
        )
        .catch(mapOverload('DynamoDB'));
      items.push(...((answer.Responses?.[tableName] ?? []) as Item[]));
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return items;
}

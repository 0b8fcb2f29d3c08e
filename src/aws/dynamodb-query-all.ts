import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mapOverload } from './aws-error-mapping';

/**
 * Every item a Query matches, page after page (DynamoDB stops each page at 1 MB). Throttling
 * maps to the overload error the handlers answer with 503, as for any single call.
 */
export async function queryAll<Item>(
  documentClient: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: QueryCommandInput['ExclusiveStartKey'];
  do {
    const page = await documentClient
      .send(new QueryCommand({ ...input, ExclusiveStartKey }))
      .catch(mapOverload('DynamoDB'));
    items.push(...((page.Items ?? []) as Item[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

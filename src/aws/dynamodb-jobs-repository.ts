import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { JobAlreadyExistsError } from '../jobs/errors/job-already-exists-error';
import { JobConflictError } from '../jobs/errors/job-conflict-error';
import type { Job } from '../jobs/job';
import type { JobsRepository } from '../jobs/ports/jobs-repository';
import { mapOverload } from './aws-error-mapping';
import { fromJobItem, jobItem } from './dynamodb-job-item';

/** Attributes a job never changes after creation: left out of updates so a transition never rewrites the payload. */
const IMMUTABLE = new Set<string>(['id', 'type', 'payload', 'createdAt']);

/** The jobs table: partition key `id`; every write after creation is conditional on `version` and `status`. */
export class DynamoDbJobsRepository implements JobsRepository {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(job: Job): Promise<void> {
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: jobItem(job),
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new JobAlreadyExistsError(job.id);
      mapOverload('DynamoDB')(error);
    }
  }

  async get(id: string): Promise<Job | undefined> {
    const { Item } = await this.documentClient
      .send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }))
      .catch(mapOverload('DynamoDB'));
    return Item ? (fromJobItem(Item) as Job) : undefined;
  }

  async save(previous: Job, next: Job): Promise<Job> {
    const names: Record<string, string> = { '#version': 'version', '#status': 'status' };
    const values: Record<string, unknown> = {
      ':expectedVersion': previous.version,
      ':expectedStatus': previous.status,
    };
    const sets: string[] = [];
    const removes: string[] = [];
    let index = 0;
    const stored = jobItem(next);
    const storedBefore = jobItem(previous);
    for (const [key, value] of Object.entries(stored)) {
      if (IMMUTABLE.has(key) || value === undefined) continue;
      const name = `#a${index}`;
      names[name] = key;
      values[`:v${index}`] = value;
      sets.push(`${name} = :v${index}`);
      index++;
    }
    for (const key of Object.keys(storedBefore)) {
      if (IMMUTABLE.has(key) || (stored as Record<string, unknown>)[key] !== undefined) continue;
      const name = `#a${index++}`;
      names[name] = key;
      removes.push(name);
    }
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: previous.id },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#version = :expectedVersion AND #status = :expectedStatus',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // The old item arrives as a raw attribute map even through the document client.
        const item = error.Item as Record<string, AttributeValue> | undefined;
        throw new JobConflictError(previous.id, item ? (fromJobItem(unmarshall(item)) as Job) : undefined);
      }
      mapOverload('DynamoDB')(error);
    }
    return next;
  }
}

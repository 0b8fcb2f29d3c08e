import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { JobAlreadyExistsError } from '../jobs/errors/job-already-exists-error';
import { JobConflictError } from '../jobs/errors/job-conflict-error';
import type { Job } from '../jobs/job';
import type { JobsRepository, SavedJob } from '../jobs/ports/jobs-repository';
import { mapOverload } from './aws-error-mapping';
import { firstClaimEntry, type FirstClaim } from '../jobs/first-claim';
import { followMarkHolds } from '../jobs/follow-mark';
import { HISTORY_LIMIT } from '../jobs/job-state-machine';
import { DUE_AT_ATTRIBUTE, DUE_SHARD_ATTRIBUTE } from './dynamodb-due-jobs';
import {
  FOLLOWED_UNTIL_ATTRIBUTE,
  fromJobItem,
  jobItem,
  STATUS_TYPE_SHARD_ATTRIBUTE,
  statusTypeShardKey,
} from './dynamodb-job-item';
import { DEFAULT_JOBS_TABLE_SHARDS, indexShardOf, type JobsTableShards } from './index-shards';

/** Attributes a job never changes after creation: left out of updates so a transition never rewrites the payload. */
const IMMUTABLE = new Set<string>(['id', 'type', 'payload', 'createdAt']);

/** The jobs table: partition key `id`; every write after creation is conditional on `version` and `status`. */
export class DynamoDbJobsRepository implements JobsRepository {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The shard counts the stack set: every item's index keys are derived with them. */
    private readonly shards: JobsTableShards = DEFAULT_JOBS_TABLE_SHARDS,
  ) {}

  async create(job: Job): Promise<void> {
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: jobItem(job, this.shards),
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
    return (await this.saveObserved(previous, next)).job;
  }

  async saveObserved(previous: Job, next: Job): Promise<SavedJob> {
    const names: Record<string, string> = {
      '#version': 'version',
      '#status': 'status',
      '#followedUntil': FOLLOWED_UNTIL_ATTRIBUTE,
    };
    const values: Record<string, unknown> = {
      ':expectedVersion': previous.version,
      ':expectedStatus': previous.status,
      ':unfollowed': 0,
    };
    // Set to itself (0 if never marked) only so that UPDATED_NEW returns it: the follow mark comes
    // back with the write's answer, and a save never changes it.
    const sets: string[] = ['#followedUntil = if_not_exists(#followedUntil, :unfollowed)'];
    const removes: string[] = [];
    let index = 0;
    const stored = jobItem(next, this.shards);
    const storedBefore = jobItem(previous, this.shards);
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
      const { Attributes } = await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: previous.id },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#version = :expectedVersion AND #status = :expectedStatus',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { job: next, followed: followMarkHolds(Number(Attributes?.[FOLLOWED_UNTIL_ATTRIBUTE] ?? 0)) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // The old item arrives as a raw attribute map even through the document client.
        const item = error.Item as Record<string, AttributeValue> | undefined;
        throw new JobConflictError(previous.id, item ? (fromJobItem(unmarshall(item)) as Job) : undefined);
      }
      return mapOverload('DynamoDB')(error);
    }
  }

  /**
   * admitsFirstClaim and applyFirstClaim as one UpdateItem: the same fields, the same history
   * entry, the index attributes of a processing job (due when its lease ends). The conformance
   * suite checks the result against applyFirstClaim's.
   */
  async claimFirstAttempt(claim: FirstClaim): Promise<SavedJob> {
    const round = claim.round === 1 ? '(#round = :round OR attribute_not_exists(#round))' : '#round = :round';
    try {
      const { Attributes } = await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: claim.jobId },
          UpdateExpression:
            [
              'SET #status = :processing, #attempts = :one, #version = #version + :one',
              '#leaseUntil = :leaseUntil, #updatedAt = :at, #history = list_append(#history, :entry)',
              '#statusType = :statusType, #dueAt = :leaseUntil, #dueShard = :dueShard',
              '#followedUntil = if_not_exists(#followedUntil, :zero)',
            ].join(', ') + ' REMOVE #nextAttemptAt, #expiresAt',
          ConditionExpression: [
            'attribute_exists(id) AND #type = :type',
            round,
            '#attempts = :zero AND #maxAttempts > :zero AND size(#history) < :historyLimit',
            '(#status = :queued OR (#status = :delayed AND #runAt <= :at))',
          ].join(' AND '),
          ExpressionAttributeNames: {
            '#status': 'status',
            '#type': 'type',
            '#round': 'round',
            '#attempts': 'attempts',
            '#maxAttempts': 'maxAttempts',
            '#version': 'version',
            '#leaseUntil': 'leaseUntil',
            '#updatedAt': 'updatedAt',
            '#history': 'history',
            '#runAt': 'runAt',
            '#nextAttemptAt': 'nextAttemptAt',
            '#expiresAt': 'expiresAt',
            '#statusType': STATUS_TYPE_SHARD_ATTRIBUTE,
            '#dueAt': DUE_AT_ATTRIBUTE,
            '#dueShard': DUE_SHARD_ATTRIBUTE,
            '#followedUntil': FOLLOWED_UNTIL_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            ':type': claim.type,
            ':round': claim.round,
            ':zero': 0,
            ':one': 1,
            ':historyLimit': HISTORY_LIMIT,
            ':queued': 'queued',
            ':delayed': 'delayed',
            ':processing': 'processing',
            ':at': claim.at,
            ':leaseUntil': claim.leaseUntil,
            ':entry': [firstClaimEntry(claim)],
            ':statusType': statusTypeShardKey('processing', claim.type, indexShardOf(claim.jobId, this.shards.listing)),
            ':dueShard': indexShardOf(claim.jobId, this.shards.due),
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const item = Attributes ?? {};
      return { job: fromJobItem(item) as Job, followed: followMarkHolds(Number(item[FOLLOWED_UNTIL_ATTRIBUTE] ?? 0)) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const item = error.Item as Record<string, AttributeValue> | undefined;
        throw new JobConflictError(claim.jobId, item ? (fromJobItem(unmarshall(item)) as Job) : undefined);
      }
      return mapOverload('DynamoDB')(error);
    }
  }

  async follow(id: string, untilEpochSeconds: number): Promise<void> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: 'SET #followedUntil = :until',
          // Neither creates an item for an unknown id nor shortens a longer follow's mark.
          ConditionExpression:
            'attribute_exists(id) AND (attribute_not_exists(#followedUntil) OR #followedUntil < :until)',
          ExpressionAttributeNames: { '#followedUntil': FOLLOWED_UNTIL_ATTRIBUTE },
          ExpressionAttributeValues: { ':until': untilEpochSeconds },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      mapOverload('DynamoDB')(error);
    }
  }
}

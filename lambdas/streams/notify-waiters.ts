import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import { documentClient, sqs } from '../commons/clients';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbWaiterRegistry } from '../../src/aws/dynamodb-waiter-registry';
import { SqsNoticeSender } from '../../src/aws/sqs-waiter-inboxes';
import { notifyWaiters, type JobChange, type NotifyWaitersDeps } from '../../src/jobs/use-cases/notify-waiters';
import { requireEnv } from '../commons/environment';
import { logger, observability } from '../commons/powertools';

const deps: NotifyWaitersDeps = {
  registry: new DynamoDbWaiterRegistry(documentClient, requireEnv('WAITERS_TABLE_NAME')),
  sender: new SqsNoticeSender(sqs),
};
const processor = new BatchProcessor(EventType.DynamoDBStreams);

type Image = { id?: string; version?: number; status?: string; updatedAt?: string };
const imageOf = (image: unknown): Image | undefined =>
  image ? (unmarshall(image as Record<string, AttributeValue>) as Image) : undefined;

/** A change waiters care about: a new version, or the job's removal. Rewrites of the same version are not. */
export function jobChangeOf(record: DynamoDBRecord): JobChange | undefined {
  const before = imageOf(record.dynamodb?.OldImage);
  const after = imageOf(record.dynamodb?.NewImage);
  if (record.eventName === 'REMOVE' && before?.id) {
    return {
      jobId: before.id,
      version: (before.version ?? 0) + 1,
      status: 'removed',
      updatedAt: new Date().toISOString(),
      removed: true,
    };
  }
  if (!after?.id || after.version === undefined || after.version === before?.version) return undefined;
  return {
    jobId: after.id,
    version: after.version,
    status: after.status ?? 'unknown',
    updatedAt: after.updatedAt ?? '',
  };
}

async function handleRecord(record: DynamoDBRecord): Promise<void> {
  const change = jobChangeOf(record);
  if (!change) return;
  const woken = await notifyWaiters(deps, change);
  if (woken > 0) logger.debug('Waiters notified', { jobId: change.jobId, version: change.version, woken });
}

/** The jobs table's stream → every long poll waiting on a changed job. */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
  .use(observability())
  .handler(async (event, context) =>
    processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false }),
  );

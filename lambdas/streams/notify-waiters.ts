import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import { documentClient, sqs } from '../commons/clients';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbWaiterRegistry } from '../../src/aws/dynamodb-waiter-registry';
import { SqsNoticeSender } from '../../src/aws/sqs-waiter-inboxes';
import { notifyWaiters, type JobChange, type NotifyWaitersDeps } from '../../src/jobs/use-cases/notify-waiters';
import { ApiGatewayConnectionPoster, createConnectionsClient } from '../../src/aws/api-gateway-connection-poster';
import { DynamoDbSubscriptionStore } from '../../src/aws/dynamodb-subscription-store';
import { notifySubscribers, type NotifySubscribersDeps } from '../../src/jobs/use-cases/job-subscriptions';
import { RetryingConnectionPoster } from '../../src/jobs/realtime/retrying-connection-poster';
import { followMarkHolds } from '../../src/jobs/follow-mark';
import { requireEnv } from '../commons/environment';
import { logger, observability, recordFailures, tracer } from '../commons/powertools';

const deps: NotifyWaitersDeps = {
  registry: new DynamoDbWaiterRegistry(documentClient, requireEnv('WAITERS_TABLE_NAME')),
  sender: new SqsNoticeSender(sqs),
};
const subscribers: NotifySubscribersDeps = {
  store: new DynamoDbSubscriptionStore(documentClient, requireEnv('SUBSCRIPTIONS_TABLE_NAME')),
  poster: new RetryingConnectionPoster(
    new ApiGatewayConnectionPoster(
      tracer.captureAWSv3Client(
        // RetryingConnectionPoster does the retrying: one SDK attempt per call keeps its bound the only one.
        createConnectionsClient(requireEnv('WEBSOCKET_CALLBACK_URL'), { maxAttempts: 1, socketTimeoutMs: 2_000 }),
      ),
    ),
    {
      onGivenUp: ({ connectionId, tries, error, closed }) => {
        logger.error('Gave up posting to a WebSocket subscriber (closed: whether its connection was closed)', {
          connectionId,
          tries,
          error: error as Error,
          ...(closed === true ? { closed: true } : { closed: false, closeError: closed.error as Error }),
        });
        recordFailures('NotifierFailures', 1);
      },
    },
  ),
};
const processor = new BatchProcessor(EventType.DynamoDBStreams);

type Image = {
  id?: string;
  type?: string;
  version?: number;
  status?: string;
  updatedAt?: string;
  followedUntil?: number;
};
const imageOf = (image: unknown): Image | undefined =>
  image ? (unmarshall(image as Record<string, AttributeValue>) as Image) : undefined;

/**
 * A change waiters care about: a new version, or the job's removal. Rewrites of the same version
 * are not (a follow mark is one).
 */
export function jobChangeOf(record: DynamoDBRecord, now = new Date()): JobChange | undefined {
  const before = imageOf(record.dynamodb?.OldImage);
  const after = imageOf(record.dynamodb?.NewImage);
  if (record.eventName === 'REMOVE' && before?.id) {
    return {
      jobId: before.id,
      ...(before.type ? { type: before.type } : {}),
      version: (before.version ?? 0) + 1,
      status: 'removed',
      updatedAt: now.toISOString(),
      removed: true,
      followed: followMarkHolds(before.followedUntil, now),
    };
  }
  if (!after?.id || after.version === undefined || after.version === before?.version) return undefined;
  return {
    jobId: after.id,
    ...(after.type ? { type: after.type } : {}),
    version: after.version,
    status: after.status ?? 'unknown',
    updatedAt: after.updatedAt ?? '',
    followed: followMarkHolds(after.followedUntil, now),
  };
}

async function handleRecord(record: DynamoDBRecord): Promise<void> {
  const change = jobChangeOf(record);
  if (!change) return;
  const woken = await notifyWaiters(deps, change);
  if (woken > 0) logger.debug('Waiters notified', { jobId: change.jobId, version: change.version, woken });
}

/**
 * Posts the batch's changes to WebSocket subscribers. Each failed post is retried a few times
 * within this invocation (RetryingConnectionPoster), never by failing the batch: a retried batch
 * would wake long polls twice for nothing. A connection whose posts keep failing is logged, counted
 * and closed, and its client reconnects and resubscribes, receiving every job's current state.
 * What still throws here (the subscriptions table) is logged and counted the same way.
 */
async function postToSubscribers(records: DynamoDBRecord[]): Promise<void> {
  // A record that is not a job image is the per-record processor's to report (as a batch item failure).
  const changes = records.flatMap((record) => {
    try {
      return jobChangeOf(record) ?? [];
    } catch {
      return [];
    }
  });
  if (changes.length === 0) return;
  try {
    const outcome = await notifySubscribers(subscribers, changes);
    if (outcome.sent + outcome.gone > 0) logger.debug('Subscribers notified', { ...outcome });
  } catch (error) {
    logger.error('Posting to WebSocket subscribers failed', { error: error as Error });
    recordFailures('NotifierFailures', 1);
  }
}

/** The jobs table's stream → every long poll waiting on a changed job, and every WebSocket subscriber. */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
  .use(observability())
  .handler(async (event, context) => {
    const [response] = await Promise.all([
      processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false }),
      postToSubscribers(Array.isArray(event.Records) ? event.Records : []),
    ]);
    recordFailures('NotifierFailures', response.batchItemFailures.length);
    return response;
  });

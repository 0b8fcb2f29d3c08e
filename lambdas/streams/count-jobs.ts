import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbJobCounters } from '../../src/aws/dynamodb-job-counters';
import { counterChangeOf, type JobCounterChange } from '../../src/jobs/job-counters';
import { documentClient } from '../commons/clients';
import { requireEnv } from '../commons/environment';
import { logger, observability } from '../commons/powertools';

const counters = new DynamoDbJobCounters(
  documentClient,
  requireEnv('COUNTERS_TABLE_NAME'),
  Number(requireEnv('COUNTER_MINUTE_RETENTION_SECONDS')),
);

const imageOf = (image: unknown) => (image ? unmarshall(image as Record<string, AttributeValue>) : undefined);

function changeOf(record: DynamoDBRecord): JobCounterChange | undefined {
  const removedAt =
    record.dynamodb?.ApproximateCreationDateTime !== undefined
      ? new Date(record.dynamodb.ApproximateCreationDateTime * 1000)
      : new Date();
  try {
    return counterChangeOf(imageOf(record.dynamodb?.OldImage), imageOf(record.dynamodb?.NewImage), removedAt);
  } catch (error) {
    // An image that is not a job's counts nothing; retrying the batch would not change that.
    logger.warn('Stream record is not a job change', { eventID: record.eventID, error: error as Error });
    return undefined;
  }
}

/**
 * The jobs table's stream → the counters behind `GET /stats` and `GET /stats/series`. The whole
 * batch is counted or the invocation fails and Lambda delivers the batch again (halved when it
 * bisects): counting is idempotent, so a redelivery adds only what was not counted yet.
 */
export const handler = middy<DynamoDBStreamEvent, void, Error, Context>()
  .use(observability())
  .handler(async (event) => {
    const changes = (event.Records ?? []).flatMap((record) => changeOf(record) ?? []);
    await counters.apply(changes);
    logger.debug('Job changes counted', { records: event.Records?.length ?? 0, changes: changes.length });
  });

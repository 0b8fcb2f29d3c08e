import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobType } from '../jobs/job';
import { mapOverload } from './aws-error-mapping';

export interface QueueDepth {
  type: JobType;
  /** Ready to be received. */
  visible: number;
  /** Received and not yet deleted: being processed, or backing off before a retry. */
  inFlight: number;
  /** Waiting out their DelaySeconds. */
  delayed: number;
  /** In the dead-letter queue. */
  deadLetters: number;
}

/** A queue's approximate message counts by attribute name (visible, not visible, delayed). */
export async function queueMessageCounts(sqs: SQSClient, queueUrl: string): Promise<Record<string, number>> {
  const { Attributes = {} } = await sqs
    .send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    )
    .catch(mapOverload('SQS'));
  return Object.fromEntries(Object.entries(Attributes).map(([name, value]) => [name, Number(value)]));
}

/** Approximate depths, as SQS reports them, of a type's queue and its DLQ. */
export async function queueDepth(
  sqs: SQSClient,
  type: JobType,
  queueUrl: string,
  deadLetterQueueUrl: string,
): Promise<QueueDepth> {
  const [queue, dlq] = await Promise.all([
    queueMessageCounts(sqs, queueUrl),
    queueMessageCounts(sqs, deadLetterQueueUrl),
  ]);
  return {
    type,
    visible: queue.ApproximateNumberOfMessages ?? 0,
    inFlight: queue.ApproximateNumberOfMessagesNotVisible ?? 0,
    delayed: queue.ApproximateNumberOfMessagesDelayed ?? 0,
    // Dead letters the recorder or a redrive is holding are still dead letters.
    deadLetters: (dlq.ApproximateNumberOfMessages ?? 0) + (dlq.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

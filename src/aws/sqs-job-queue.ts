import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobType } from '../jobs/job';
import type { JobMessage, JobQueue } from '../jobs/ports/job-queue';
import { mapOverload } from './aws-error-mapping';

/**
 * One SQS queue per job type; the message carries only the job's id and type. A function is
 * given the URLs of the queues it may send to, and nothing else.
 */
export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrls: Readonly<Partial<Record<JobType, string>>>,
  ) {}

  async enqueue(message: JobMessage, delaySeconds: number): Promise<void> {
    const queueUrl = this.queueUrls[message.type];
    if (!queueUrl) throw new Error(`No queue URL for ${message.type} jobs was configured for this function`);
    await this.sqs
      .send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(message),
          DelaySeconds: delaySeconds,
        }),
      )
      .catch(mapOverload('SQS'));
  }
}

/** Holds a received message back: how a consumer backs off a retry or waits out another worker's lease. */
export async function changeMessageVisibility(
  sqs: SQSClient,
  queueUrl: string,
  receiptHandle: string,
  visibilitySeconds: number,
): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: Math.min(43_200, Math.max(0, Math.ceil(visibilitySeconds))),
    }),
  );
}

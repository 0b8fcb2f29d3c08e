import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterQueue } from '../jobs/ports/dead-letter-queue';
import { mapOverload } from './aws-error-mapping';

export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async receive(maxMessages: number, holdSeconds: number): Promise<DeadLetter[]> {
    const { Messages = [] } = await this.sqs
      .send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: maxMessages,
          VisibilityTimeout: holdSeconds,
          // A short wait asks every SQS host, so a nearly empty DLQ is not mistaken for an empty one.
          WaitTimeSeconds: 1,
        }),
      )
      .catch(mapOverload('SQS'));
    return Messages.map((message) => ({
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
    }));
  }

  async release(letters: DeadLetter[]): Promise<void> {
    for (let start = 0; start < letters.length; start += 10) {
      const batch = letters.slice(start, start + 10);
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((letter, index) => ({
            Id: String(index),
            ReceiptHandle: letter.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  async delete(letter: DeadLetter): Promise<void> {
    await this.sqs
      .send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: letter.receiptHandle }))
      .catch(mapOverload('SQS'));
  }
}

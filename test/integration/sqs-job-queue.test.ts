import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../src/aws/aws-clients';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import { createTestQueue, injectFault } from '../support/aws-resources';

const sqs = createSqsClient();

async function receive(queueUrl: string, waitTimeSeconds: number) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: waitTimeSeconds, MaxNumberOfMessages: 10 }),
  );
  return Messages;
}

describe('SqsJobQueue against fauxqs', () => {
  test("a job's message goes to its own type's queue and carries only id and type", async () => {
    const email = await createTestQueue(sqs);
    const sms = await createTestQueue(sqs);
    const queue = new SqsJobQueue(sqs, { email: email.queueUrl, sms: sms.queueUrl, cleanup: sms.queueUrl });
    await queue.enqueue({ jobId: 'job-1', type: 'email' }, 0);
    const [message] = await receive(email.queueUrl, 1);
    expect(JSON.parse(message?.Body ?? '')).toEqual({ jobId: 'job-1', type: 'email' });
    expect(await receive(sms.queueUrl, 0)).toHaveLength(0);
  });

  test('a delayed message is not delivered before its DelaySeconds', async () => {
    const { queueUrl } = await createTestQueue(sqs);
    const queue = new SqsJobQueue(sqs, { email: queueUrl, sms: queueUrl, cleanup: queueUrl });
    const sentAt = Date.now();
    await queue.enqueue({ jobId: 'job-2', type: 'sms' }, 2);
    expect(await receive(queueUrl, 1)).toHaveLength(0);
    let messages = await receive(queueUrl, 3);
    if (messages.length === 0) messages = await receive(queueUrl, 2);
    expect(messages).toHaveLength(1);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(2000);
  });

  test('a throttled send becomes DependencyUnavailableError', async () => {
    const throttled = new SQSClient({ useQueueUrlAsEndpoint: false, maxAttempts: 1 });
    injectFault(throttled, 'SendMessageCommand', { name: 'RequestThrottled', message: 'Throttled' });
    const queue = new SqsJobQueue(throttled, { email: 'x', sms: 'x', cleanup: 'x' });
    await expect(queue.enqueue({ jobId: 'job-3', type: 'cleanup' }, 0)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
  });
});

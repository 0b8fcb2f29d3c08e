import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { IntrinsicResolver } from './intrinsics';
import type { CfnResource } from './template';

export interface LocalQueue {
  queueUrl: string;
  queueArn: string;
  queueName: string;
}

/** Template properties that CreateQueue accepts as attributes (encryption settings are left out: the emulator has no KMS). */
export const PASSED_ATTRIBUTES = [
  'VisibilityTimeout',
  'DelaySeconds',
  'MessageRetentionPeriod',
  'MaximumMessageSize',
  'ReceiveMessageWaitTimeSeconds',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

/** Creates an AWS::SQS::Queue in fauxqs. Its dead-letter queue must have been created (and registered with the resolver) first. */
export async function provisionQueue(
  client: SQSClient,
  logicalId: string,
  resource: CfnResource,
  resolver: IntrinsicResolver,
): Promise<LocalQueue> {
  const props = resolver.resolve(resource.Properties ?? {}) as Record<string, unknown>;
  const isFifo = String(props.FifoQueue) === 'true';
  const queueName = typeof props.QueueName === 'string' ? props.QueueName : isFifo ? `${logicalId}.fifo` : logicalId;
  const attributes: Record<string, string> = {};
  for (const name of PASSED_ATTRIBUTES) {
    if (props[name] !== undefined) attributes[name] = String(props[name]);
  }
  for (const name of ['RedrivePolicy', 'RedriveAllowPolicy'] as const) {
    const policy = props[name];
    if (policy !== undefined) attributes[name] = typeof policy === 'string' ? policy : JSON.stringify(policy);
  }
  try {
    const QueueUrl = await createOrUpdateQueue(client, queueName, attributes);
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { queueUrl: QueueUrl!, queueArn: Attributes!.QueueArn!, queueName };
  } catch (error) {
    throw new Error(`Creating queue ${queueName} (${logicalId}) failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Attributes SetQueueAttributes refuses: fixed when the queue is created. */
const IMMUTABLE_ATTRIBUTES = new Set(['FifoQueue']);

/**
 * CreateQueue, idempotent like CloudFormation: a queue kept from an earlier run (a data directory,
 * reused emulators) is reused, and when the template changed its attributes since, they are set.
 */
async function createOrUpdateQueue(
  client: SQSClient,
  queueName: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
    return QueueUrl!;
  } catch (error) {
    if (!/QueueNameExists|QueueAlreadyExists/.test((error as Error).name)) throw error;
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const mutable = Object.fromEntries(Object.entries(attributes).filter(([name]) => !IMMUTABLE_ATTRIBUTES.has(name)));
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: mutable }));
    return QueueUrl!;
  }
}

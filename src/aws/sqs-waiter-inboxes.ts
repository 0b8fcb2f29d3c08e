import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { ChangeNotice, InboxPool, NoticeSender, WaiterInbox } from '../jobs/ports/waiter-inbox';
import { mapOverload } from './aws-error-mapping';

/**
 * Each receive waits at most this long; longer waits are a series of receives. SQS allows 20 s,
 * but a shorter wait bounds the delay of a wake-up an SQS implementation fails to deliver to a
 * waiting receive (seen under load with the emulator) at a few extra receives per wait.
 */
const MAX_WAIT_SECONDS = 5;

/** An inbox IAM does not let us touch: one created before inboxes were tagged, or not this stack's. */
function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && /AccessDenied/.test(`${error.name} ${(error as { Code?: string }).Code ?? ''}`);
}

function isMissingQueue(error: unknown): boolean {
  return (
    error instanceof QueueDoesNotExist ||
    (error instanceof Error &&
      /NonExistentQueue|QueueDoesNotExist/.test(`${error.name} ${(error as { Code?: string }).Code ?? ''}`))
  );
}

/** SQS's shortest retention: a notice nobody takes (its waiter had gone) expires within a minute. */
export const INBOX_RETENTION_SECONDS = 60;

/**
 * A received notice is never deleted: it stays hidden until the inbox's retention removes it,
 * which SQS does to in-flight messages too. That saves the waiter a DeleteMessageBatch between
 * the notice and its answer (one SQS round trip of latency, and a request, per wake-up); should
 * retention be late, the notice shows again and is dropped as stale (no waiter's id matches it).
 */
const RECEIVED_NOTICE_HIDDEN_SECONDS = 2 * INBOX_RETENTION_SECONDS;
/** How often a pooled inbox proves it is alive; the janitor removes inboxes idle for much longer. */
export const INBOX_TOUCH_INTERVAL_MS = 5 * 60 * 1000;
/** An inbox untouched this long belongs to an execution environment that went away. */
export const INBOX_IDLE_SECONDS = 30 * 60;

/** One SQS queue owned by one execution environment; a waiter at a time long-polls it. */
class SqsWaiterInbox implements WaiterInbox {
  touchedAt = Date.now();
  /**
   * An aborted receive goes on waiting inside SQS until its WaitTimeSeconds end and takes (hides)
   * whatever arrives meanwhile: until then the inbox must not serve another waiter.
   */
  abandonedReceiveUntil = 0;

  constructor(
    private readonly sqs: SQSClient,
    readonly url: string,
  ) {}

  async receive(maxWaitMs: number, signal?: AbortSignal): Promise<ChangeNotice[]> {
    const waitSeconds = Math.max(0, Math.min(MAX_WAIT_SECONDS, Math.floor(maxWaitMs / 1000)));
    const startedAt = Date.now();
    let response;
    try {
      response = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: RECEIVED_NOTICE_HIDDEN_SECONDS,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (signal?.aborted) {
        this.abandonedReceiveUntil = startedAt + waitSeconds * 1000;
        return [];
      }
      throw error;
    }
    const messages = response.Messages ?? [];
    if (waitSeconds === 0 && messages.length === 0 && maxWaitMs > 0) {
      // Less than a second left: SQS cannot wait that precisely, so sleep out the remainder.
      await new Promise((resolve) => setTimeout(resolve, maxWaitMs));
    }
    return messages.flatMap((m) => {
      try {
        return [JSON.parse(m.Body ?? '') as ChangeNotice];
      } catch {
        return [];
      }
    });
  }
}

/**
 * The tag every inbox is created with (its value: the pool's prefix). The long-poll, notifier and
 * janitor policies allow inbox actions only on queues that carry it, not on any queue whose name
 * happens to start with the prefix.
 */
export const INBOX_TAG_KEY = 'serverless-jobs:inbox-of';

export interface InboxPoolOptions {
  /** Queue name prefix that identifies this stack's inboxes (and scopes their IAM permissions). */
  prefix: string;
  /** Customer-managed KMS key (id or ARN) to encrypt inboxes with. Default: SSE-SQS. */
  kmsMasterKeyId?: string;
}

/**
 * The inboxes of one execution environment, created lazily and reused: an environment serves one
 * request at a time (on Lambda and in the local stack), so it holds one; a pool still hands out
 * one per concurrent wait, should a runtime ever run several at once. Inboxes of environments that
 * went away are deleted by the janitor.
 */
export class SqsInboxPool implements InboxPool {
  private readonly idle: SqsWaiterInbox[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly options: InboxPoolOptions,
  ) {}

  async acquire(): Promise<WaiterInbox> {
    const now = Date.now();
    const index = this.idle.findLastIndex((inbox) => inbox.abandonedReceiveUntil <= now);
    const reused = index === -1 ? undefined : this.idle.splice(index, 1)[0];
    if (reused && Date.now() - reused.touchedAt < INBOX_TOUCH_INTERVAL_MS) return reused;
    if (reused && (await this.touch(reused))) return reused;
    const { QueueUrl } = await this.sqs
      .send(
        new CreateQueueCommand({
          QueueName: `${this.options.prefix}${randomUUID()}`,
          // Notices are worthless after a minute; nothing should pile up in a forgotten inbox.
          Attributes: {
            MessageRetentionPeriod: String(INBOX_RETENTION_SECONDS),
            ...(this.options.kmsMasterKeyId
              ? { KmsMasterKeyId: this.options.kmsMasterKeyId }
              : { SqsManagedSseEnabled: 'true' }),
          },
          tags: { [INBOX_TAG_KEY]: this.options.prefix },
        }),
      )
      .catch(mapOverload('SQS'));
    if (!QueueUrl) throw new Error('CreateQueue returned no QueueUrl');
    return new SqsWaiterInbox(this.sqs, QueueUrl);
  }

  release(inbox: WaiterInbox): void {
    this.idle.push(inbox as SqsWaiterInbox);
  }

  /** Bumps the queue's LastModifiedTimestamp, the janitor's sign of life; false if the janitor already removed it. */
  private async touch(inbox: SqsWaiterInbox): Promise<boolean> {
    try {
      await this.sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: inbox.url,
          Attributes: { MessageRetentionPeriod: String(INBOX_RETENTION_SECONDS) },
        }),
      );
      inbox.touchedAt = Date.now();
      return true;
    } catch (error) {
      if (isMissingQueue(error)) return false;
      return mapOverload('SQS')(error);
    }
  }
}

export class SqsNoticeSender implements NoticeSender {
  constructor(private readonly sqs: SQSClient) {}

  async send(inboxUrl: string, notices: ChangeNotice[]): Promise<void> {
    for (let start = 0; start < notices.length; start += 10) {
      try {
        await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: inboxUrl,
            Entries: notices
              .slice(start, start + 10)
              .map((notice, i) => ({ Id: String(i), MessageBody: JSON.stringify(notice) })),
          }),
        );
      } catch (error) {
        // The inbox's environment went away (and the janitor with it): its waiters are gone too.
        if (isMissingQueue(error)) return;
        throw error;
      }
    }
  }
}

/** Deletes inboxes idle for longer than `idleSeconds`: their execution environments are gone. */
export async function removeIdleInboxes(
  sqs: SQSClient,
  prefix: string,
  idleSeconds = INBOX_IDLE_SECONDS,
  now = Date.now(),
): Promise<number> {
  let removed = 0;
  let NextToken: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, NextToken, MaxResults: 1000 }));
    for (const queueUrl of page.QueueUrls ?? []) {
      try {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['LastModifiedTimestamp', 'CreatedTimestamp'],
          }),
        );
        const lastActive = Number(Attributes?.LastModifiedTimestamp ?? Attributes?.CreatedTimestamp ?? 0) * 1000;
        if (now - lastActive < idleSeconds * 1000) continue;
        await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
        removed++;
      } catch (error) {
        // Untagged queues with the prefix (inboxes made before tagging) are left for an operator to delete.
        if (!isMissingQueue(error) && !isAccessDenied(error)) throw error;
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return removed;
}

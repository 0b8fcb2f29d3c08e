import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { ChaosMode, InvocationFault } from '../chaos/chaos-mode';
import { LambdaThrottledError, type LocalFunction } from '../lambda/lambda-function';
import type { LocalQueue } from '../cloudformation/provision-queue';
import { parseBatchItemFailures } from './batch-item-failures';
import { sleep } from './sleep';

const THROTTLED = Symbol('throttled');

export interface SqsEventSourceOptions {
  client: SQSClient;
  queue: LocalQueue;
  fn: LocalFunction;
  region: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  /** Number of pollers, and so the most invocations in flight at once. */
  maximumConcurrency: number;
  /** The queue's: a batch whose invocations are throttled is retried while the function could still finish within it. */
  visibilityTimeoutSeconds: number;
  reportBatchItemFailures: boolean;
  log: (line: string) => void;
  /** Chaos mode: crashes and hangs injected into invocations, batches delivered twice. */
  chaos?: ChaosMode;
}

/**
 * Lambda's SQS event source mapping: N pollers, each receiving a batch, invoking the function
 * and deleting what succeeded. Failed messages are simply not deleted: they come back after
 * the queue's visibility timeout, and the queue's redrive policy moves them to its DLQ.
 * A throttled invocation (the function's concurrency is below the pollers') is retried with
 * backoff while the function could still finish before the batch becomes visible again; then
 * the poller lets it go, and the messages come back after the visibility timeout (counting a
 * receive), as on Lambda, whose docs ask for a visibility timeout of 6 × the function's timeout
 * for these retries.
 */
export class SqsEventSource {
  private readonly abort = new AbortController();
  private pollers = new Set<Promise<void>>();
  private paused = false;
  /** Messages a poller received after the pause began: handed back once no poller of ours is waiting. */
  private parked: Message[] = [];

  constructor(private readonly options: SqsEventSourceOptions) {}

  start(): void {
    this.paused = false;
    // Pollers still finishing their long poll from before a pause carry on; the rest start again.
    while (this.pollers.size < this.options.maximumConcurrency) {
      const poller: Promise<void> = this.poll().finally(() => this.pollers.delete(poller));
      this.pollers.add(poller);
    }
    void this.releaseParked();
  }

  /**
   * A disabled mapping: no new receive starts. A long poll in progress is not aborted, since an
   * aborted ReceiveMessage can still take the next message (fauxqs dequeues for a client that has
   * gone, and the message stays in flight for the visibility timeout); it runs out (≤ 20 s), and
   * whatever it still receives is handed back (visible at once) when the last poller has stopped.
   * Resolves then; start() before that cancels the pause.
   */
  async pause(): Promise<void> {
    this.paused = true;
    while (this.paused && this.pollers.size > 0) await Promise.race([...this.pollers]);
    if (this.paused) await this.releaseParked();
  }

  private async releaseParked(): Promise<void> {
    const { client, queue, log } = this.options;
    const messages = this.parked.splice(0);
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages
        .slice(i, i + 10)
        .map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
      await client
        .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }))
        .catch((error: Error) =>
          log(`SQS poller for ${queue.queueName}: could not hand back messages: ${error.message}`),
        );
    }
  }

  /** Stops receiving at once (a long poll in progress is aborted); waits up to graceMs for invocations in flight. */
  async stop(graceMs = 2000): Promise<void> {
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.pollers]),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  }

  private async poll(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted && !this.paused) {
      try {
        const { batch, receivedAt } = await this.receiveBatch(signal);
        if (this.paused) {
          this.parked.push(...batch);
          return;
        }
        if (batch.length > 0 && !signal.aborted) await this.process(batch, receivedAt);
      } catch (error) {
        if (signal.aborted) return;
        this.options.log(`SQS poller for ${this.options.queue.queueName}: ${(error as Error).message}`);
        await sleep(1000, signal);
      }
    }
  }

  /** Receives until BatchSize messages or the batching window has passed (one receive when there is no window). */
  private async receiveBatch(signal: AbortSignal): Promise<{ batch: Message[]; receivedAt: number }> {
    const { client, queue, batchSize, maximumBatchingWindowSeconds } = this.options;
    const batch: Message[] = [];
    let windowEnds: number | undefined;
    let receivedAt = Date.now();
    for (;;) {
      const receiving = Date.now();
      const remainingWindowSeconds = windowEnds === undefined ? 20 : Math.ceil((windowEnds - Date.now()) / 1000);
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.queueUrl,
          MaxNumberOfMessages: Math.min(batchSize - batch.length, 10),
          WaitTimeSeconds: Math.max(0, Math.min(20, remainingWindowSeconds)),
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      if (batch.length === 0) receivedAt = receiving; // the first messages' visibility timeout runs from here
      batch.push(...Messages);
      if (batch.length === 0) return { batch, receivedAt }; // keep long polling from the caller's loop
      windowEnds ??= Date.now() + maximumBatchingWindowSeconds * 1000;
      if (batch.length >= batchSize || Date.now() >= windowEnds || signal.aborted || this.paused)
        return { batch, receivedAt };
    }
  }

  private async process(messages: Message[], receivedAt: number): Promise<void> {
    const { client, queue, chaos } = this.options;
    // A duplicate delivery: SQS hands the same messages to a second poller while the first still
    // runs them; each invocation's successes are deleted, as each poller would.
    const deliveries = chaos?.duplicateDelivery() ? 2 : 1;
    const outcomes = await Promise.all(
      Array.from({ length: deliveries }, () => this.deliver(messages, receivedAt, chaos?.invocationFault())),
    );
    const toDelete = [...new Map(outcomes.flat().map((m) => [m.MessageId, m])).values()];
    for (let i = 0; i < toDelete.length; i += 10) {
      const entries = toDelete
        .slice(i, i + 10)
        .map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle! }));
      await client.send(new DeleteMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }));
    }
  }

  /** One invocation with the batch; resolves with the messages to delete. */
  private async deliver(messages: Message[], receivedAt: number, fault?: InvocationFault): Promise<Message[]> {
    const { fn, queue, reportBatchItemFailures, log } = this.options;
    const records = messages.map((message) => this.toRecord(message));
    let toDelete: Message[] = [];
    try {
      const result = await this.invokeThroughThrottles({ Records: records }, receivedAt, fault);
      if (result === THROTTLED) {
        log(
          `${fn.logicalId} throttled on a batch of ${messages.length} from ${queue.queueName}: it returns to the queue after its visibility timeout`,
        );
        return [];
      }
      if (!reportBatchItemFailures) toDelete = messages;
      else {
        const failedIds = parseBatchItemFailures(result);
        const batchIds = new Set(messages.map((m) => m.MessageId));
        if (failedIds === undefined || failedIds.some((id) => !batchIds.has(id))) {
          log(
            `${fn.logicalId}: invalid batchItemFailures response, the whole batch of ${messages.length} will be retried`,
          );
        } else toDelete = messages.filter((m) => !failedIds.includes(m.MessageId!));
      }
    } catch (error) {
      log(
        `${fn.logicalId} failed on a batch of ${messages.length} from ${queue.queueName}: ${(error as Error).message}`,
      );
    }
    return toDelete;
  }

  /** Invokes, retrying throttles with backoff until the batch's visibility timeout leaves no room for a run. */
  private async invokeThroughThrottles(
    event: { Records: SQSRecord[] },
    receivedAt: number,
    fault?: InvocationFault,
  ): Promise<unknown> {
    const { fn, visibilityTimeoutSeconds } = this.options;
    const signal = this.abort.signal;
    const lastStart = receivedAt + (visibilityTimeoutSeconds - fn.timeoutSeconds) * 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn.invoke(event, fault ? { fault } : {});
      } catch (error) {
        if (!(error instanceof LambdaThrottledError)) throw error;
        const backoff = Math.min(100 * 2 ** attempt, 2000);
        if (signal.aborted || Date.now() + backoff > lastStart) return THROTTLED;
        await sleep(backoff, signal);
      }
    }
  }

  /** The record shape Lambda hands to SQS-triggered functions. */
  private toRecord(message: Message): SQSRecord {
    const messageAttributes: SQSRecord['messageAttributes'] = {};
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
      messageAttributes[name] = {
        stringValue: value.StringValue,
        binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
        dataType: value.DataType!,
      };
    }
    return {
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body ?? '',
      attributes: message.Attributes as unknown as SQSRecord['attributes'],
      messageAttributes,
      md5OfBody: message.MD5OfBody!,
      ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queue.queueArn,
      awsRegion: this.options.region,
    };
  }
}

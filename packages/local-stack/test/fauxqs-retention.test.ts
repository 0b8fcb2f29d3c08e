/**
 * fauxqs keeps every message for ever; the local stack's sweep deletes what SQS would have deleted
 * by MessageRetentionPeriod. On fauxqs's own queue objects, with the clock passed in (no waiting).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expireMessages, type FauxqsQueue } from '../src/emulators/fauxqs-retention.mjs';

interface Received {
  ReceiptHandle: string;
  Body: string;
}
interface Queue extends FauxqsQueue {
  enqueue(message: unknown): void;
  dequeue(max: number, visibilityTimeout?: number): Received[];
  getAttribute(name: string): string | undefined;
}
interface SqsStoreModule {
  SqsStore: {
    new (): { createQueue(name: string, url: string, arn: string, attributes: Record<string, string>): Queue };
    createMessage(
      body: string,
      attributes?: object,
      delaySeconds?: number,
      groupId?: string,
      dedupId?: string,
    ): unknown;
  };
}

/** fauxqs's dist folder, found the way Node finds the package from here (it exports only its entry). */
function fauxqsDist(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'fauxqs', 'dist', 'sqs', 'sqsStore.js');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error('fauxqs is not installed');
  }
}

const { SqsStore } = (await import(pathToFileURL(fauxqsDist()).href)) as SqsStoreModule;
const RETENTION_SECONDS = 60;
let store: InstanceType<SqsStoreModule['SqsStore']>;
let named = 0;
const newQueue = (attributes: Record<string, string> = {}) => {
  const name = `q${named++}${attributes.FifoQueue === 'true' ? '.fifo' : ''}`;
  return store.createQueue(
    name,
    `http://127.0.0.1/000000000000/${name}`,
    `arn:aws:sqs:us-east-1:000000000000:${name}`,
    {
      MessageRetentionPeriod: String(RETENTION_SECONDS),
      ...attributes,
    },
  );
};
const counts = (queue: Queue) =>
  ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'].map(
    (name) => Number(queue.getAttribute(name)),
  );

beforeEach(() => {
  store = new SqsStore();
});

test('a ready, a delayed and an in-flight message all go once older than the retention, not before', () => {
  const queue = newQueue();
  const sentAt = Date.now();
  queue.enqueue(SqsStore.createMessage('in flight'));
  expect(queue.dequeue(1, 3600)).toHaveLength(1);
  queue.enqueue(SqsStore.createMessage('ready'));
  queue.enqueue(SqsStore.createMessage('delayed', {}, 900));
  expect(counts(queue)).toEqual([1, 1, 1]);

  expect(expireMessages([queue], sentAt + (RETENTION_SECONDS - 5) * 1000)).toBe(0);
  expect(counts(queue)).toEqual([1, 1, 1]);
  expect(expireMessages([queue], sentAt + (RETENTION_SECONDS + 5) * 1000)).toBe(3);
  expect(counts(queue)).toEqual([0, 0, 0]);
  expect(queue.dequeue(10)).toEqual([]);
});

test('each queue keeps its own retention, and a newer message outlives an older one', () => {
  const short = newQueue();
  const long = newQueue({ MessageRetentionPeriod: String(4 * 24 * 3600) });
  const sentAt = Date.now();
  short.enqueue(SqsStore.createMessage('old'));
  long.enqueue(SqsStore.createMessage('kept'));
  const later = { ...(SqsStore.createMessage('new') as object), sentTimestamp: sentAt + 30_000 };
  short.enqueue(later);

  expect(expireMessages([short, long], sentAt + (RETENTION_SECONDS + 5) * 1000)).toBe(1);
  expect(short.dequeue(10).map((m) => m.Body)).toEqual(['new']);
  expect(long.dequeue(10).map((m) => m.Body)).toEqual(['kept']);
});

test('an expired in-flight FIFO message releases its group for the next one', () => {
  const queue = newQueue({ FifoQueue: 'true' });
  const sentAt = Date.now();
  queue.enqueue(SqsStore.createMessage('first', {}, undefined, 'g', '1'));
  expect(queue.dequeue(1, 3600).map((m) => m.Body)).toEqual(['first']);
  queue.enqueue({
    ...(SqsStore.createMessage('second', {}, undefined, 'g', '2') as object),
    sentTimestamp: sentAt + 30_000,
  });
  expect(queue.dequeue(1)).toEqual([]); // the group is held by the in-flight first

  expireMessages([queue], sentAt + (RETENTION_SECONDS + 5) * 1000);
  expect(queue.dequeue(1).map((m) => m.Body)).toEqual(['second']);
});

test('an expired message is deleted from fauxqs persistence too, so a restart does not bring it back', () => {
  const queue = newQueue();
  const message = SqsStore.createMessage('gone') as { messageId: string };
  queue.enqueue(message);
  const deleted: string[] = [];
  queue.persistence = { deleteMessage: (id) => deleted.push(id) };
  expireMessages([queue], Date.now() + (RETENTION_SECONDS + 5) * 1000);
  expect(deleted).toEqual([message.messageId]);
});

import { randomUUID } from 'node:crypto';
import type { DeadLetter, DeadLetterQueue } from '../ports/dead-letter-queue';

interface StoredLetter {
  messageId: string;
  body: string;
  /** Epoch ms before which no receive sees it. */
  hiddenUntil: number;
  /** The handle of the latest receive; older handles no longer act on the letter, as in SQS. */
  receiptHandle?: string;
}

/** A dead-letter queue with SQS's visibility semantics on `now` (a test clock or Date.now). */
export class InMemoryDeadLetterQueue implements DeadLetterQueue {
  private readonly letters: StoredLetter[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Puts a message into the queue, as SQS does when a message exceeds its receive count. */
  add(body: string): void {
    this.letters.push({ messageId: randomUUID(), body, hiddenUntil: 0 });
  }

  async receive(maxMessages: number, holdSeconds: number): Promise<DeadLetter[]> {
    const now = this.now();
    const received: DeadLetter[] = [];
    for (const letter of this.letters) {
      if (received.length >= maxMessages) break;
      if (letter.hiddenUntil > now) continue;
      letter.hiddenUntil = now + holdSeconds * 1000;
      letter.receiptHandle = randomUUID();
      received.push({ messageId: letter.messageId, receiptHandle: letter.receiptHandle, body: letter.body });
    }
    return received;
  }

  async release(letters: DeadLetter[]): Promise<void> {
    for (const letter of letters) {
      const stored = this.find(letter);
      if (stored) stored.hiddenUntil = 0;
    }
  }

  async delete(letter: DeadLetter): Promise<void> {
    const stored = this.find(letter);
    if (stored) this.letters.splice(this.letters.indexOf(stored), 1);
  }

  private find(letter: DeadLetter): StoredLetter | undefined {
    return this.letters.find((stored) => stored.receiptHandle === letter.receiptHandle);
  }
}

export interface DeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
}

/**
 * A job type's dead-letter queue. Receiving hides a message from everyone else for
 * `holdSeconds`, which is how the recorder and a redrive never act on the same message at once.
 */
export interface DeadLetterQueue {
  receive(maxMessages: number, holdSeconds: number): Promise<DeadLetter[]>;
  /** Makes held messages visible again: they stay in the DLQ. */
  release(letters: DeadLetter[]): Promise<void>;
  delete(letter: DeadLetter): Promise<void>;
}

/** Types of fauxqs-retention.mjs (plain JavaScript: fauxqs-server.mjs runs it without a TypeScript loader). */
export declare const RETENTION_SWEEP_INTERVAL_MS: number;

export interface FauxqsMessage {
  messageId: string;
  sentTimestamp: number;
  messageGroupId?: string;
}

/** The parts of fauxqs's SqsQueue the sweep reads and changes. */
export interface FauxqsQueue {
  attributes: Record<string, string>;
  messages: FauxqsMessage[];
  delayedMessages: FauxqsMessage[];
  inflightMessages: Map<string, { message: FauxqsMessage }>;
  fifoMessages: Map<string, FauxqsMessage[]>;
  fifoDelayed: Map<string, FauxqsMessage[]>;
  fifoLockedGroups: Map<string, number>;
  persistence?: { deleteMessage(messageId: string): void };
}

/** Deletes every message of `queues` older than its queue's MessageRetentionPeriod at `now` (epoch ms); returns how many. */
export declare function expireMessages(queues: Iterable<FauxqsQueue>, now: number): number;

import type { JobType } from './job';
import type { ConsumerState } from '../jobs/ports/queue-consumers';
import type { BulkRetryFilter, BulkRetryResult } from '../jobs/use-cases/retry-failed-jobs';

export type { BulkRetryFilter, BulkRetryResult, ConsumerState };

/** One job type's queue and dead-letter queue, as `GET /queues` counts them (approximate, as SQS's are). */
export interface QueueStats {
  type: JobType;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetters: number;
  /** Nothing new is taken from the queue (its consumer is Disabled or Disabling): jobs wait in it, queued. */
  paused: boolean;
  /** The consumer's event source mapping state, as Lambda reports it. */
  consumerState: ConsumerState;
}

/** `POST /queues/{type}/pause|resume`: the queue's state right after the change was accepted. */
export interface QueueConsumption {
  type: JobType;
  paused: boolean;
  consumerState: ConsumerState;
}

export interface QueuesSummary {
  queues: QueueStats[];
}

/** `POST /queues/{type}/redrive`: what happened to the type's dead letters. */
export interface RedriveResult {
  type: JobType;
  moved: number;
  discarded: number;
  skipped: number;
}

import type { JobType } from './job';

/** One job type's queue and dead-letter queue, as `GET /queues` counts them (approximate, as SQS's are). */
export interface QueueStats {
  type: JobType;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetters: number;
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

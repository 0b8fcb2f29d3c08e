import type { JobType } from '../job';
import type { JobLog } from '../ports/job-log';
import { isPaused, type ConsumerState, type QueueConsumers } from '../ports/queue-consumers';

export interface QueueControlDeps {
  consumers: QueueConsumers;
  log: JobLog;
}

/** What `POST /queues/{type}/pause|resume` and `GET /queues` say of a queue's consumer. */
export interface QueueConsumption {
  type: JobType;
  /** Nothing new is taken from the queue (the consumer is Disabled or Disabling); jobs wait in it, queued. */
  paused: boolean;
  consumerState: ConsumerState;
}

/**
 * Pauses (or resumes) a job type's queue: its consumer stops (or starts again) taking messages.
 * Jobs submitted meanwhile wait in the queue, `queued`; jobs already running finish. Pausing a
 * paused queue changes nothing. The change takes effect shortly after it is accepted.
 */
export async function setQueuePaused(
  deps: QueueControlDeps,
  type: JobType,
  paused: boolean,
): Promise<QueueConsumption> {
  const consumerState = await deps.consumers.setEnabled(type, !paused);
  deps.log.info(paused ? 'Queue paused' : 'Queue resumed', { type, consumerState });
  return { type, paused: isPaused(consumerState), consumerState };
}

export async function queueConsumption(
  deps: Pick<QueueControlDeps, 'consumers'>,
  type: JobType,
): Promise<QueueConsumption> {
  const consumerState = await deps.consumers.stateOf(type);
  return { type, paused: isPaused(consumerState), consumerState };
}

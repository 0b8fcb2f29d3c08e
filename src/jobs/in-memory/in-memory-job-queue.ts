import type { JobType } from '../job';
import type { JobMessage, JobQueue } from '../ports/job-queue';

/** SQS's limit on a message's delay, which the SQS adapter's callers must respect too. */
const MAX_DELAY_SECONDS = 900;

interface QueuedMessage {
  message: JobMessage;
  visibleAt: number;
}

/**
 * One FIFO list per job type; a delayed message is invisible until its delay has passed on
 * `now` (a test clock or Date.now). `receive` is what an SQS consumer would get.
 */
export class InMemoryJobQueue implements JobQueue {
  private readonly queues = new Map<JobType, QueuedMessage[]>();

  constructor(private readonly now: () => number = Date.now) {}

  async enqueue(message: JobMessage, delaySeconds: number): Promise<void> {
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
      throw new RangeError(`delaySeconds must be an integer from 0 to ${MAX_DELAY_SECONDS}, got ${delaySeconds}`);
    }
    const queue = this.queues.get(message.type) ?? [];
    // Only id, type and round travel, as in the SQS message body.
    const { jobId, type, round } = message;
    queue.push({ message: { jobId, type, round }, visibleAt: this.now() + delaySeconds * 1000 });
    this.queues.set(message.type, queue);
  }

  /** Takes up to `max` messages of `type` that are visible now, oldest first. */
  receive(type: JobType, max = 10): JobMessage[] {
    const queue = this.queues.get(type) ?? [];
    const now = this.now();
    const taken: JobMessage[] = [];
    for (let index = 0; index < queue.length && taken.length < max;) {
      const entry = queue[index];
      if (entry && entry.visibleAt <= now) {
        taken.push(entry.message);
        queue.splice(index, 1);
      } else index++;
    }
    return taken;
  }
}

import type { JobType } from '../job';

/** The body of every job message: the job itself lives in the repository. */
export interface JobMessage {
  jobId: string;
  type: JobType;
  /** The job's round the message was sent for: one from an earlier round is dropped (job-rounds.ts). */
  round: number;
}

export interface JobQueue {
  /** Sends the job's message to its type's queue, held back `delaySeconds` (0–900). */
  enqueue(message: JobMessage, delaySeconds: number): Promise<void>;
}

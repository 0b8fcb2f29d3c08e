import { FIRST_ROUND } from './job-rounds';
import type { AnyJobType, Job, JobPayload } from './job';

export interface NewJobInput {
  id: string;
  type: AnyJobType;
  payload: JobPayload;
  maxAttempts: number;
  now: Date;
  runAt?: Date;
  /** External jobs start `pending`; typed jobs `queued` or `delayed`. */
  initialStatus?: 'pending';
}

export function newJob(input: NewJobInput): Job {
  const at = input.now.toISOString();
  const status = input.initialStatus ?? (input.runAt ? 'delayed' : 'queued');
  const job: Job = {
    id: input.id,
    type: input.type,
    status,
    version: 1,
    round: FIRST_ROUND,
    attempts: 0,
    maxAttempts: input.maxAttempts,
    payload: input.payload,
    createdAt: at,
    updatedAt: at,
    history: [{ status, at, attempt: 0 }],
  };
  if (input.runAt) job.runAt = input.runAt.toISOString();
  return job;
}

/** SQS holds a message back at most 15 minutes; longer waits are re-delayed by the consumer. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** The DelaySeconds for a message about a job due at `runAt`: rounded up so it never arrives early. */
export function sqsDelaySeconds(runAt: string | undefined, now: Date): number {
  if (!runAt) return 0;
  const remainingMs = new Date(runAt).getTime() - now.getTime();
  if (remainingMs <= 0) return 0;
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(remainingMs / 1000));
}

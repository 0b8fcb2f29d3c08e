import { FIRST_ROUND } from '../job-rounds';

/** What a dead letter says about its job. */
export interface DeadLetterSubject {
  jobId: string;
  /** The job's round the message was sent for. */
  round: number;
}

/**
 * The job (and round) a dead letter is about, read leniently: a message may be in the DLQ because it
 * was malformed. A readable job id with no usable round counts as round 1, as messages sent before
 * rounds existed do.
 */
export function subjectOfDeadLetter(body: string): DeadLetterSubject | undefined {
  try {
    const parsed = JSON.parse(body) as { jobId?: unknown; round?: unknown };
    if (typeof parsed?.jobId !== 'string' || parsed.jobId === '') return undefined;
    const round = Number.isInteger(parsed.round) ? (parsed.round as number) : FIRST_ROUND;
    return { jobId: parsed.jobId, round };
  } catch {
    return undefined;
  }
}

/** How long the recorder or a redrive holds a dead letter while acting on it. */
export const DEAD_LETTER_HOLD_SECONDS = 30;

/** The job id a dead letter is about, read leniently: a message may be in the DLQ because it was malformed. */
export function jobIdOfDeadLetter(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { jobId?: unknown };
    return typeof parsed?.jobId === 'string' && parsed.jobId !== '' ? parsed.jobId : undefined;
  } catch {
    return undefined;
  }
}

/** How long the recorder or a redrive holds a dead letter while acting on it. */
export const DEAD_LETTER_HOLD_SECONDS = 30;

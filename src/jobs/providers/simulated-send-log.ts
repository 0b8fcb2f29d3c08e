import { appendFileSync } from 'node:fs';

/**
 * The simulated providers' side effects, countable: when this variable names a file, every
 * delivery a simulator makes (an email or text "sent", a cleanup run) appends one JSON line to it.
 * A harness compares those lines with the jobs that completed: a job whose effect shows twice was
 * delivered twice, whatever its history says.
 */
export const SIMULATED_SEND_LOG_VARIABLE = 'JOBS_SIMULATED_SEND_LOG';

export interface SimulatedSend {
  channel: 'email' | 'sms' | 'cleanup';
  /** Who got it: the address, the number, or the cleanup request's task/durationMs/simulateFailures. */
  recipient: string;
  messageId: string;
  attempt: number;
  at: string;
}

export interface SimulatedSendLog {
  record(send: Omit<SimulatedSend, 'at'>): void;
}

/** The log the environment asks for, or undefined (the default: simulators record nothing). */
export function simulatedSendLog(env: Readonly<Record<string, string | undefined>>): SimulatedSendLog | undefined {
  const file = env[SIMULATED_SEND_LOG_VARIABLE];
  if (!file) return undefined;
  return {
    record(send) {
      // One small O_APPEND write per line: concurrent environments never interleave within a line.
      appendFileSync(file, `${JSON.stringify({ ...send, at: new Date().toISOString() })}\n`);
    },
  };
}

/** The recipient key a cleanup run is recorded under. */
export function cleanupRecipient(request: {
  task: string;
  durationMs?: number | undefined;
  simulateFailures?: number | undefined;
}): string {
  return `${request.task}/${request.durationMs ?? 0}/${request.simulateFailures ?? 0}`;
}

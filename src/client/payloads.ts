import type { JobType } from './job';

export interface EmailPayload {
  to: string;
  subject: string;
  body: string;
}

export interface SmsPayload {
  /** E.164, e.g. `+14155550123` */
  phone: string;
  /** 1–1600 characters */
  message: string;
}

export interface CleanupPayload {
  task: 'delete_temp' | 'remove_old_logs' | 'expire_sessions';
  /** Simulation only: fail transiently on the first N attempts. */
  simulateFailures?: number;
  /** Simulation only: take this long. */
  durationMs?: number;
}

/** What each job type accepts. */
export interface JobPayloads {
  email: EmailPayload;
  sms: SmsPayload;
  cleanup: CleanupPayload;
}

export type PayloadOf<T extends JobType> = JobPayloads[T];

export interface SubmitOptions {
  /** Start after this many milliseconds (at most 7 days). Not with `runAt`. */
  delay?: number;
  /** Start at this time. Not with `delay`. */
  runAt?: Date | string;
  /**
   * The same key within 24 h returns the job it created instead of a new one. Without it the
   * client generates one per call, so that retrying a submission never makes two jobs.
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

import type { Job } from './job';

/** Payload fields that may hold personal content and never leave the system in reads or logs. */
const SENSITIVE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  email: ['body'],
  sms: ['message'],
};

export const MASK = '***';

export function maskPayload(type: string, payload: Record<string, unknown>): Record<string, unknown> {
  const masked = { ...payload };
  for (const field of SENSITIVE_FIELDS[type] ?? []) {
    if (field in masked) masked[field] = MASK;
  }
  return masked;
}

/** The job as clients see it: sensitive payload fields replaced, internal TTL dropped. */
export function maskJob(job: Job): Omit<Job, 'expiresAt'> {
  const { expiresAt: _expiresAt, ...visible } = job;
  return { ...visible, payload: maskPayload(job.type, job.payload) };
}

import { createHash } from 'node:crypto';
import type { InvalidField } from './errors/validation-error';

/** Job ids as they appear in URLs: 1–128 letters, digits, `_ . : -` (e.g. `job_123`). */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const JOB_ID_RULE = 'must be 1–128 letters, digits, _ . : or -';

/**
 * Ids the platform gives its own jobs (the daily cleanup's `system:daily-cleanup:YYYY-MM-DD`).
 * Callers may read such jobs but never create one, so no caller can pre-empt a system job.
 */
export const SYSTEM_JOB_ID_PREFIX = 'system:';

export function systemJobId(name: string): string {
  return `${SYSTEM_JOB_ID_PREFIX}${name}`;
}

/**
 * Why a caller may not create a job with `id`, or undefined when it may. `.` and `..` are
 * removed from URL paths by clients and proxies, so such a job could never be read again.
 */
export function callerJobIdProblem(id: string): InvalidField | undefined {
  if (!JOB_ID_PATTERN.test(id)) return { field: 'id', message: JOB_ID_RULE };
  if (id === '.' || id === '..') return { field: 'id', message: 'must not be . or .. (URL paths drop them)' };
  if (id.toLowerCase().startsWith(SYSTEM_JOB_ID_PREFIX)) {
    return {
      field: 'id',
      message: `must not start with ${SYSTEM_JOB_ID_PREFIX} (reserved for the platform's own jobs)`,
    };
  }
  return undefined;
}

/**
 * The id of the job a submission with this Idempotency-Key creates: one key always names one job.
 * The key's idempotency record lasts only for the submitting function's timeout while in progress;
 * a submit that timed out after its write, then retried with the key, would otherwise create a
 * second job (found by the chaos run: the same email sent by two jobs). UUID-shaped, version 8
 * (custom: from SHA-256).
 */
export function idempotentJobId(idempotencyKey: string): string {
  const hex = createHash('sha256').update(`idempotency-key\n${idempotencyKey}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

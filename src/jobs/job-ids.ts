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

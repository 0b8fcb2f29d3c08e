import { ValidationError, type InvalidField } from './errors/validation-error';

export interface StatusQuery {
  mode: 'short' | 'long';
  /** How long a long poll may hold the request, already clamped. */
  timeoutMs: number;
  /** The version the client has seen; a long poll answers as soon as the job's differs. */
  since?: number;
}

export const DEFAULT_LONG_POLL_TIMEOUT_MS = 10_000;
export const MIN_LONG_POLL_TIMEOUT_MS = 1_000;
export const DEFAULT_MAX_LONG_POLL_TIMEOUT_MS = 25_000;

/** `"7"`, `W/"7"` or `7` → 7; anything else is not a version. */
function versionFromEtag(etag: string): number | undefined {
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * Reads `mode`, `timeout` and `since` (or `If-None-Match`) from a status request. A timeout
 * below the minimum is raised and one above the maximum lowered; what is not a number is a 400.
 */
export function parseStatusQuery(
  query: Record<string, string | undefined>,
  ifNoneMatch: string | undefined,
  maxTimeoutMs = DEFAULT_MAX_LONG_POLL_TIMEOUT_MS,
): StatusQuery {
  const fields: InvalidField[] = [];
  const mode = query.mode ?? 'short';
  if (mode !== 'short' && mode !== 'long') fields.push({ field: 'mode', message: 'must be short or long' });

  let timeoutMs = DEFAULT_LONG_POLL_TIMEOUT_MS;
  if (query.timeout !== undefined) {
    const parsed = Number(query.timeout);
    if (query.timeout.trim() === '' || !Number.isFinite(parsed)) {
      fields.push({ field: 'timeout', message: 'must be a number of milliseconds' });
    } else {
      timeoutMs = Math.min(maxTimeoutMs, Math.max(MIN_LONG_POLL_TIMEOUT_MS, Math.round(parsed)));
    }
  }

  let since: number | undefined;
  if (query.since !== undefined) {
    since = /^\d+$/.test(query.since) ? Number(query.since) : undefined;
    if (since === undefined) fields.push({ field: 'since', message: 'must be a job version (a whole number)' });
  } else if (ifNoneMatch !== undefined) {
    since = versionFromEtag(ifNoneMatch);
    if (since === undefined) fields.push({ field: 'If-None-Match', message: 'must be an ETag such as "3"' });
  }

  if (fields.length > 0) throw new ValidationError(fields);
  return { mode: mode as StatusQuery['mode'], timeoutMs, ...(since !== undefined ? { since } : {}) };
}

import type { Job, JobPayload } from './job';

export const MASK = '***';

/** Which payload fields a job type hides, and which it shows only partly. */
export interface JobMasking {
  /** Replaced by `***`. */
  readonly sensitiveFields: readonly string[];
  /** Shown partly: `r***@example.com`, `+91******9999`. */
  readonly recipientFields: readonly string[];
}

export const NO_MASKING: JobMasking = { sensitiveFields: [], recipientFields: [] };

const E164_LIKE = /^\+\d{7,15}$/;

/** An address or number shown with enough left to recognise it, and no more. */
export function maskRecipient(value: string): string {
  const at = value.lastIndexOf('@');
  if (at > 0) return `${value.charAt(0)}${MASK}${value.slice(at)}`;
  if (E164_LIKE.test(value)) return `${value.slice(0, 3)}${'*'.repeat(value.length - 7)}${value.slice(-4)}`;
  return `${value.charAt(0)}${MASK}`;
}

export function maskPayload(masking: JobMasking, payload: JobPayload): JobPayload {
  const masked = { ...payload };
  for (const field of masking.sensitiveFields) {
    if (field in masked) masked[field] = MASK;
  }
  for (const field of masking.recipientFields) {
    if (field in masked) masked[field] = maskRecipientValue(masked[field]);
  }
  return masked;
}

/** A recipient field may hold one address or a list of them; anything else it holds is hidden whole. */
function maskRecipientValue(value: unknown): unknown {
  if (typeof value === 'string') return maskRecipient(value);
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? maskRecipient(item) : MASK));
  return value === undefined || value === null ? value : MASK;
}

/** The strings a field holds, one or a list, as free text may quote them. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Values shorter than this are not searched for in free text: masking "a" would mangle every message. */
const MIN_SEARCHED_LENGTH = 3;

/** Replacements for each masked value of the payload, longest first so that a value inside another is not half-masked. */
function replacements(masking: JobMasking, payload: JobPayload): [string, string][] {
  const pairs: [string, string][] = [];
  for (const field of masking.sensitiveFields) {
    for (const value of stringsOf(payload[field])) {
      if (value.length >= MIN_SEARCHED_LENGTH) pairs.push([value, MASK]);
    }
  }
  for (const field of masking.recipientFields) {
    for (const value of stringsOf(payload[field])) {
      if (value.length >= MIN_SEARCHED_LENGTH) pairs.push([value, maskRecipient(value)]);
    }
  }
  return pairs.sort(([a], [b]) => b.length - a.length);
}

/** Free text (an error message, a log line) with the payload's sensitive and recipient values masked. */
export function maskText(masking: JobMasking, payload: JobPayload, text: string): string {
  let masked = text;
  for (const [value, replacement] of replacements(masking, payload)) masked = masked.split(value).join(replacement);
  return masked;
}

/** Any JSON-like value with every string in it passed through maskText. */
export function maskValue(masking: JobMasking, payload: JobPayload, value: unknown): unknown {
  if (typeof value === 'string') return maskText(masking, payload, value);
  if (Array.isArray(value)) return value.map((item) => maskValue(masking, payload, item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskValue(masking, payload, item)]));
  }
  return value;
}

/**
 * The job as clients see it: sensitive payload fields replaced, recipients shown partly, the same
 * values masked wherever they reappear (result, error, history), internal TTL dropped.
 */
export function maskJob(job: Job, masking: JobMasking): Omit<Job, 'expiresAt'> {
  const { expiresAt: _expiresAt, ...visible } = job;
  const text = (value: string) => maskText(masking, job.payload, value);
  const masked: Omit<Job, 'expiresAt'> = {
    ...visible,
    payload: maskPayload(masking, job.payload),
    history: job.history.map((entry) => (entry.error === undefined ? entry : { ...entry, error: text(entry.error) })),
  };
  if (job.error) masked.error = { ...job.error, message: text(job.error.message) };
  if (job.result) masked.result = maskValue(masking, job.payload, job.result) as Record<string, unknown>;
  return masked;
}

import { PermanentJobError } from '../jobs/errors/permanent-job-error';
import { TransientJobError } from '../jobs/errors/transient-job-error';
import { isOverloadError } from './aws-error-mapping';

/** Names the SDK gives a request that ran out of time or was cut off. */
const TIMEOUT_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);

export interface ProviderErrorNames {
  /** Errors no retry can fix: the job fails at once. */
  permanent: ReadonlySet<string>;
  /** Errors worth a retry besides throttling, 5xx and timeouts, which are always transient. */
  transient?: ReadonlySet<string>;
}

/**
 * Providers quote recipients in their messages ("… failed the check in region US-EAST-1: a@b.com"),
 * and job errors are shown to API callers and logged: keep the reason, drop the person.
 */
export function redactRecipients(text: string): string {
  return text.replace(/[^\s@<>"',;:()[\]]+@[^\s@<>"',;:()[\]]+/g, '<address>').replace(/\+\d{7,15}\b/g, '<number>');
}

const MAX_REASON_LENGTH = 200;

/**
 * Turns a provider's SDK error into the job error the consumer acts on. Throttling, 5xx, network
 * failures and timeouts are transient; the listed names are permanent; anything else is transient
 * too, so a misconfiguration (a missing permission) dead-letters the job after its attempts and it
 * can be redriven once fixed, instead of failing for good.
 */
export function classifyProviderError(
  provider: string,
  error: unknown,
  names: ProviderErrorNames,
): TransientJobError | PermanentJobError {
  if (error instanceof TransientJobError || error instanceof PermanentJobError) return error;
  const name = error instanceof Error ? error.name : 'UnknownError';
  const details = error as { $fault?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = details?.$metadata?.httpStatusCode;
  const reason = error instanceof Error && error.message ? redactRecipients(error.message) : '';
  const described =
    `${provider} answered ${name}${status ? ` (HTTP ${status})` : ''}` +
    (reason && reason !== name ? `: ${reason.slice(0, MAX_REASON_LENGTH)}` : '');
  const transient =
    isOverloadError(error) ||
    details?.$fault === 'server' ||
    TIMEOUT_ERROR_NAMES.has(name) ||
    names.transient?.has(name) === true;
  if (transient) return new TransientJobError(described, { cause: error });
  if (names.permanent.has(name)) return new PermanentJobError(described, { cause: error });
  return new TransientJobError(described, { cause: error });
}

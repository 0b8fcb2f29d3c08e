// The dashboard speaks the public HTTP API, whose types the typed client already declares.
import type { Job, JobStatus } from '../../src/client/job';
import type { JobPage, JobSummary } from '../../src/client/job-list';
import type { JobStatusChange } from '../../src/client/job-status';
import type { BulkRetryResult, QueueConsumption, QueueStats, RedriveResult } from '../../src/client/queues';

export type { BulkRetryResult, JobPage, JobSummary, QueueConsumption, RedriveResult };
export type JobDetail = Job;
export type QueueDepth = QueueStats;
export type StatusChange = JobStatusChange;
export interface Stats {
  /** Per status, the number of jobs of each type that has any. */
  counts: Partial<Record<JobStatus, Record<string, number>>>;
}

/**
 * The API is wherever the page is served from, minus `/dashboard`: `/prod/dashboard` → `/prod`
 * behind an API Gateway stage, `/dashboard` → `` locally. Every call is same-origin.
 */
export const apiBase = location.pathname.replace(/\/dashboard\/?$/, '');

/** An RFC 9457 problem, or whatever the API (or the gateway) answered instead. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: { field: string; message: string }[] = [],
    /** The problem's other members (e.g. a bulk retry's current `matched`). */
    readonly problem: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The API key lives in this variable only: never in storage or cookies; a reload forgets it. */
let apiKey: string | undefined;
const keyListeners = new Set<(hasKey: boolean) => void>();

export function hasApiKey(): boolean {
  return apiKey !== undefined;
}

/** For the WebSocket connection, which sends the token itself (as its `token` query parameter). */
export function currentApiKey(): string | undefined {
  return apiKey;
}

export function setApiKey(key: string | undefined): void {
  apiKey = key?.trim() || undefined;
  for (const listener of keyListeners) listener(apiKey !== undefined);
}

/** Returns the unsubscribe. */
export function onApiKeyChange(listener: (hasKey: boolean) => void): () => void {
  keyListeners.add(listener);
  return () => keyListeners.delete(listener);
}

/** Asks for the key in the dialog; resolves with whether the user gave one. */
export function promptForApiKey(reason?: string): Promise<boolean> {
  const dialog = document.getElementById('api-key-dialog') as HTMLDialogElement;
  const form = document.getElementById('api-key-form') as HTMLFormElement;
  const input = document.getElementById('api-key-input') as HTMLInputElement;
  const cancel = document.getElementById('api-key-cancel') as HTMLButtonElement;
  // The dialog keeps its name ("API token"); why it opened is said beside it.
  const why = document.getElementById('api-key-reason') as HTMLElement;
  why.textContent = reason ?? '';
  why.hidden = !reason;
  input.value = '';
  return new Promise((resolve) => {
    const done = (given: boolean) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      resolve(given);
    };
    const onSubmit = (event: Event) => {
      event.preventDefault();
      if (!input.value.trim()) return;
      setApiKey(input.value);
      input.value = '';
      done(true);
    };
    const onCancel = () => done(false);
    const onClose = () => done(false);
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    input.focus();
  });
}

interface RequestOptions {
  method?: string;
  json?: unknown;
  signal?: AbortSignal;
}

async function send<T>(path: string, options: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${apiBase}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
    signal: options.signal,
    cache: 'no-store',
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const problem = (body ?? {}) as { title?: string; detail?: string; message?: string; errors?: unknown };
    const message = problem.detail ?? problem.message ?? problem.title ?? `${response.status} ${response.statusText}`;
    const fieldErrors = Array.isArray(problem.errors) ? (problem.errors as { field: string; message: string }[]) : [];
    throw new ApiError(response.status, message, fieldErrors, problem as Record<string, unknown>);
  }
  return body as T;
}

/** One dialog at a time, whichever reads find they need the key. */
let readKeyPrompt: Promise<boolean> | undefined;
let declinedReadKey = false;

/** No token (401), or one the API refuses for this route (403). */
const refused = (error: unknown) => error instanceof ApiError && (error.status === 401 || error.status === 403);

/**
 * A read. Reads need a token unless the stack opens them: a refusal without a token asks for one
 * (once for every read waiting) and the read is tried again.
 */
export async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  try {
    return await send<T>(path, { signal });
  } catch (error) {
    if (!refused(error) || hasApiKey() || declinedReadKey) throw error;
    readKeyPrompt ??= promptForApiKey('This API needs a token to read').finally(() => (readKeyPrompt = undefined));
    // Declined: not asked again on every refresh; the header's "Set API key" button is still there.
    if (!(await readKeyPrompt)) {
      declinedReadKey = true;
      throw error;
    }
    return send<T>(path, { signal });
  }
}

/**
 * A write (needs a token): asks for the token first when the tab has none, and again once if
 * the gateway refuses it (403). Resolves undefined when the user declines to give a key.
 */
export async function write<T>(method: string, path: string, json?: unknown): Promise<T | undefined> {
  if (!hasApiKey() && !(await promptForApiKey())) return undefined;
  try {
    return await send<T>(path, { method, json });
  } catch (error) {
    if (!refused(error)) throw error;
    setApiKey(undefined);
    if (!(await promptForApiKey('The API refused that token (unknown, revoked or without this scope): try another')))
      return undefined;
    return send<T>(path, { method, json });
  }
}

export const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

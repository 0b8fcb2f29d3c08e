import { deadlineSignal } from './abort';
import { isTerminalStatus, type Job } from './job';
import type { JobTypesSummary } from './job-types';
import type { JobPage, ListJobsFilter } from './job-list';
import type { JobStatusChange, JobStatusSnapshot } from './job-status';
import {
  defaultWebSocketFactory,
  openJobSubscription,
  type JobSubscription,
  type SubscribeOptions,
  type SubscriptionTarget,
  type WebSocketFactory,
} from './job-subscription';
import { JobVanishedError } from './job-vanished-error';
import { JobsApiError } from './jobs-api-error';
import { JobsConnectionError } from './jobs-connection-error';
import type { JobPayloads, PayloadMap, SubmitOptions } from './payloads';
import { toProblem } from './problem';
import type { BulkRetryFilter, BulkRetryResult, QueueConsumption, QueuesSummary, RedriveResult } from './queues';
import type { CreateTokenRequest, IssuedToken, TokenSummary } from './tokens';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, sleep, type RetryPolicy } from './retry-policy';
import { WaitTimeoutError } from './wait-timeout-error';
import { ServerSentEventParser } from './server-sent-events';

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface JobsClientOptions {
  /** The API's base URL, stage included on AWS; defaults to `JOBS_API_URL`. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <token>`; defaults to `JOBS_API_TOKEN`, else `JOBS_API_KEY`. */
  token?: string;
  /** The same as `token` (its name before scoped tokens). */
  apiKey?: string;
  /** Defaults to the global `fetch`; pass one to add tracing, proxies or faults. */
  fetch?: FetchFunction;
  /** How 429s, 5xx and network errors are retried. */
  retry?: Partial<RetryPolicy>;
  /** How long one request may take before it counts as a network error (long polls get their hold time on top). */
  requestTimeoutMs?: number;
  /**
   * The WebSocket API's stage URL (`wss://…/prod`); defaults to `JOBS_WEBSOCKET_URL`, else the
   * `websocketUrl` that `GET /health` advertises. `null`: never use it (waitFor long-polls).
   */
  websocketUrl?: string | null;
  /** Opens WebSocket connections; defaults to the global WebSocket. */
  webSocketFactory?: WebSocketFactory;
}

export interface WaitForOptions {
  /** Overall time to wait for a terminal status, in ms (default 5 minutes); then {@link WaitTimeoutError}. */
  timeout?: number;
  /** Stops waiting; `waitFor` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with the first status seen, then with each new version. */
  onChange?: (status: JobStatusSnapshot) => void;
  /** How long each long poll may be held by the server, in ms (default 20 s; the server clamps it to 1–25 s). */
  pollTimeout?: number;
  /** Default true: wait over the WebSocket API when its URL is known, falling back to long polls if it fails. */
  subscribe?: boolean;
  /**
   * How long the WebSocket may take to confirm the subscription, in ms (default 10 s,
   * {@link SubscribeOptions.readyTimeoutMs}); past it waitFor long-polls instead.
   */
  subscribeTimeout?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface EventsOptions {
  /** Ends the stream; the iterator then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Resume after this version (sent as `Last-Event-ID`): only later snapshots are yielded. */
  lastEventId?: number;
}

interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /**
   * Whether repeating the request is harmless, so a 5xx or network error may be retried. 429 and
   * 503 are retried either way: the API answers them only when it changed nothing.
   */
  idempotent: boolean;
  /** Extra time this request may take (a long poll's hold). */
  holdMs?: number;
}

const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_POLL_TIMEOUT_MS = 20_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Answers that mean "nothing was done, come back later". */
const ALWAYS_RETRYABLE = new Set([429, 503]);
/** Answers that may have come after the work was done: retried only when repeating is harmless. */
const RETRYABLE_IF_IDEMPOTENT = new Set([500, 502, 504]);

function fromEnv(name: string): string | undefined {
  return typeof process === 'undefined' ? undefined : process.env[name] || undefined;
}

function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * A typed client for the jobs API over `fetch`: submit, inspect, list, cancel, retry and wait for
 * jobs, redrive dead letters. Every non-2xx answer becomes a {@link JobsApiError} carrying the
 * problem; 429s, 5xx and network errors are retried with exponential backoff and full jitter.
 *
 * `Payloads` maps each job type's name to what it accepts: this package's types by default, or
 * `PayloadsOf<typeof jobTypes>` for your own registry.
 */
export class JobsClient<Payloads extends PayloadMap = JobPayloads> {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchFn: FetchFunction | undefined;
  private readonly retryPolicy: RetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly webSocketFactory: WebSocketFactory;
  private webSocketUrlLookup: Promise<string | undefined> | undefined;

  constructor(options: JobsClientOptions = {}) {
    const baseUrl = options.baseUrl ?? fromEnv('JOBS_API_URL');
    if (!baseUrl) throw new TypeError('JobsClient needs a baseUrl (or JOBS_API_URL in the environment)');
    this.baseUrl = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.token = options.token ?? options.apiKey ?? fromEnv('JOBS_API_TOKEN') ?? fromEnv('JOBS_API_KEY');
    this.fetchFn = options.fetch;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.webSocketFactory = options.webSocketFactory ?? defaultWebSocketFactory;
    const websocketUrl = options.websocketUrl === undefined ? fromEnv('JOBS_WEBSOCKET_URL') : options.websocketUrl;
    if (websocketUrl !== undefined) this.webSocketUrlLookup = Promise.resolve(websocketUrl ?? undefined);
  }

  /**
   * The WebSocket API's URL: the option or `JOBS_WEBSOCKET_URL`, else what `GET /health`
   * advertises (asked once); undefined when the API has none or cannot say.
   */
  webSocketUrl(): Promise<string | undefined> {
    this.webSocketUrlLookup ??= this.request<{ websocketUrl?: unknown }>({
      method: 'GET',
      path: 'health',
      idempotent: true,
    }).then(
      (health) => (typeof health.websocketUrl === 'string' ? health.websocketUrl : undefined),
      () => {
        // Ask again next time: the API may have been briefly unreachable.
        this.webSocketUrlLookup = undefined;
        return undefined;
      },
    );
    return this.webSocketUrlLookup;
  }

  /**
   * Follows jobs as they change, over the WebSocket API: `onChange` gets each job's current state
   * right after subscribing, then every new version, in order. Job ids, or a `{ type, status }`
   * filter (every job whose new state matches). Reconnects with full-jitter backoff and
   * resubscribes, receiving the current state again. `ready` rejects when the API has no
   * WebSocket URL or the first connection fails, or with SubscribeTimeoutError when the server does
   * not confirm the subscription within `readyTimeoutMs` (default 10 s); reconnecting carries on
   * until `close()`.
   */
  subscribe(
    target: SubscriptionTarget,
    onChange: (status: JobStatusSnapshot) => void,
    options: SubscribeOptions = {},
  ): JobSubscription {
    let inner: JobSubscription | undefined;
    let closed = false;
    const ready = this.webSocketUrl().then((url) => {
      if (!url) throw new Error(`${this.baseUrl} advertises no WebSocket API`);
      if (closed) throw new Error('Subscription closed');
      inner = openJobSubscription(url, this.token, target, onChange, options, this.webSocketFactory);
      return inner.ready;
    });
    ready.catch(() => undefined);
    return {
      ready,
      close: () => {
        closed = true;
        inner?.close();
      },
    };
  }

  /** `POST /jobs/{type}`: the accepted job (`queued`, or `delayed` with its `runAt`). */
  async submit<T extends keyof Payloads & string>(
    type: T,
    payload: Payloads[T],
    options: SubmitOptions = {},
  ): Promise<Job> {
    if (options.delay !== undefined && options.runAt !== undefined) {
      throw new TypeError('submit: give delay or runAt, not both');
    }
    const runAt = options.runAt instanceof Date ? options.runAt.toISOString() : options.runAt;
    return this.request<Job>({
      method: 'POST',
      path: `jobs/${encodeURIComponent(type)}`,
      json: {
        ...payload,
        ...(options.delay !== undefined ? { delay: options.delay } : {}),
        ...(runAt !== undefined ? { runAt } : {}),
      },
      // With a key, a retried submission returns the job the first attempt created.
      headers: { 'Idempotency-Key': options.idempotencyKey ?? newIdempotencyKey() },
      signal: options.signal,
      idempotent: true,
    });
  }

  /** `GET /jobs/{id}`: the whole job, history included. */
  get(id: string, options: RequestOptions = {}): Promise<Job> {
    return this.request<Job>({
      method: 'GET',
      path: `jobs/${encodeURIComponent(id)}`,
      signal: options.signal,
      idempotent: true,
    });
  }

  /**
   * `GET /jobs/{id}/events` (Server-Sent Events) as an async iterator: the current snapshot (if
   * newer than `lastEventId`), then each change in version order, until a final status. When the
   * server ends a stream early (it does before its function's timeout) or the connection breaks,
   * it reconnects after the server's `retry:` with `Last-Event-ID`, as EventSource does; a version
   * written while disconnected may be skipped (the API keeps the latest state only), never a later
   * one. Problems (404 unknown job, 403 scope) reject with JobsApiError before anything is yielded.
   */
  async *events(id: string, options: EventsOptions = {}): AsyncGenerator<JobStatusSnapshot, void, undefined> {
    const url = this.url(`jobs/${encodeURIComponent(id)}/events`);
    let lastEventId = options.lastEventId;
    let reconnectMs = 1_000;
    let failures = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const connection = new AbortController();
      const signal = options.signal ? AbortSignal.any([options.signal, connection.signal]) : connection.signal;
      const headers: Record<string, string> = { accept: 'text/event-stream, application/problem+json' };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
      let failure: Error | undefined;
      let retryAfterMs: number | undefined;
      try {
        const response = await (this.fetchFn ?? globalThis.fetch)(url, { method: 'GET', headers, signal });
        if (response.status === 204) return; // final, and already delivered
        if (!response.ok || !response.body) {
          retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
          const error = new JobsApiError(toProblem(response.status, response.statusText, await response.text()), {
            retryAfterMs,
          });
          if (!ALWAYS_RETRYABLE.has(response.status) && !RETRYABLE_IF_IDEMPOTENT.has(response.status)) throw error;
          failure = error;
        } else {
          failures = 0;
          const parser = new ServerSentEventParser();
          const decoder = new TextDecoder();
          for await (const chunk of response.body) {
            for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
              if (event.event !== 'status') continue;
              const snapshot = JSON.parse(event.data) as JobStatusSnapshot;
              lastEventId = snapshot.version;
              yield snapshot;
              if (isTerminalStatus(snapshot.status)) return;
            }
          }
          reconnectMs = parser.retryMs ?? reconnectMs;
        }
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof JobsApiError || error instanceof SyntaxError) throw error;
        failure = new JobsConnectionError(url, error);
      } finally {
        connection.abort(); // the consumer stopped early, or this stream is done: release the connection
      }
      if (failure) {
        if (failures >= this.retryPolicy.retries) throw failure;
        await sleep(backoffDelay(this.retryPolicy, failures++, retryAfterMs), options.signal);
      } else await sleep(reconnectMs, options.signal);
    }
  }

  /** `GET /jobs/{id}/status`: the status right now (a short poll). */
  status(id: string, options: RequestOptions = {}): Promise<JobStatusSnapshot> {
    return this.request<JobStatusSnapshot>({
      method: 'GET',
      path: `jobs/${encodeURIComponent(id)}/status`,
      signal: options.signal,
      idempotent: true,
    });
  }

  /** `GET /jobs`: a page of jobs, newest first; pass `nextCursor` back as `cursor` for the next. */
  list(filter: ListJobsFilter = {}, options: RequestOptions = {}): Promise<JobPage> {
    return this.request<JobPage>({
      method: 'GET',
      path: 'jobs',
      query: { status: filter.status, type: filter.type, limit: filter.limit, cursor: filter.cursor },
      signal: options.signal,
      idempotent: true,
    });
  }

  /** `GET /queues`: per type, messages visible, in flight and delayed, and dead letters. */
  queues(options: RequestOptions = {}): Promise<QueuesSummary> {
    return this.request<QueuesSummary>({ method: 'GET', path: 'queues', signal: options.signal, idempotent: true });
  }

  /** `DELETE /jobs/{id}`: cancels a queued, delayed or retrying job (409 once it runs or has finished). */
  cancel(id: string, options: RequestOptions = {}): Promise<Job> {
    // Not idempotent: a retry after a lost answer would report a 409 for a cancel that worked.
    return this.request<Job>({
      method: 'DELETE',
      path: `jobs/${encodeURIComponent(id)}`,
      signal: options.signal,
      idempotent: false,
    });
  }

  /**
   * `POST /jobs/{id}/retry`: sends a failed job (dead-lettered or not) round again with fresh
   * attempts; 409 in any other status.
   */
  retry(id: string, options: RequestOptions = {}): Promise<Job> {
    // Not idempotent: a retry after a lost answer would report a 409 for a retry that worked.
    return this.request<Job>({
      method: 'POST',
      path: `jobs/${encodeURIComponent(id)}/retry`,
      signal: options.signal,
      idempotent: false,
    });
  }

  /** `GET /job-types`: each type's name, payload JSON Schema, masked fields and configuration. */
  jobTypes(options: RequestOptions = {}): Promise<JobTypesSummary> {
    return this.request<JobTypesSummary>({
      method: 'GET',
      path: 'job-types',
      signal: options.signal,
      idempotent: true,
    });
  }

  /** `POST /tokens` (admin scope): a new token with these scopes, shown in this answer only. */
  createToken(request: CreateTokenRequest, options: RequestOptions = {}): Promise<IssuedToken> {
    return this.request<IssuedToken>({
      method: 'POST',
      path: 'tokens',
      json: request,
      signal: options.signal,
      idempotent: false,
    });
  }

  /** `GET /tokens` (admin scope): every token's id, name, scopes and creation time. */
  async listTokens(options: RequestOptions = {}): Promise<TokenSummary[]> {
    const { tokens } = await this.request<{ tokens: TokenSummary[] }>({
      method: 'GET',
      path: 'tokens',
      signal: options.signal,
      idempotent: true,
    });
    return tokens;
  }

  /** `DELETE /tokens/{id}` (admin scope): the token stops working (within the authorizer's cache TTL). */
  revokeToken(id: string, options: RequestOptions = {}): Promise<TokenSummary> {
    return this.request<TokenSummary>({
      method: 'DELETE',
      path: `tokens/${encodeURIComponent(id)}`,
      signal: options.signal,
      idempotent: true,
    });
  }

  /** `POST /queues/{type}/redrive`: moves the type's dead letters back to its queue. */
  redrive(type: keyof Payloads & string, options: RequestOptions = {}): Promise<RedriveResult> {
    return this.request<RedriveResult>({
      method: 'POST',
      path: `queues/${encodeURIComponent(type)}/redrive`,
      signal: options.signal,
      idempotent: false,
    });
  }

  /** `POST /queues/{type}/pause`: the type's consumer stops taking jobs; they wait in the queue, queued. */
  pauseQueue(type: keyof Payloads & string, options: RequestOptions = {}): Promise<QueueConsumption> {
    return this.request<QueueConsumption>({
      method: 'POST',
      path: `queues/${encodeURIComponent(type)}/pause`,
      signal: options.signal,
      // Setting a flag to the same value again changes nothing.
      idempotent: true,
    });
  }

  /** `POST /queues/{type}/resume`: the type's consumer takes jobs again. */
  resumeQueue(type: keyof Payloads & string, options: RequestOptions = {}): Promise<QueueConsumption> {
    return this.request<QueueConsumption>({
      method: 'POST',
      path: `queues/${encodeURIComponent(type)}/resume`,
      signal: options.signal,
      idempotent: true,
    });
  }

  /** `POST /jobs/retry` with dryRun: how many failed jobs match the filter. */
  async countFailed(filter: BulkRetryFilter, options: RequestOptions = {}): Promise<number> {
    const { matched } = await this.request<BulkRetryResult>({
      method: 'POST',
      path: 'jobs/retry',
      json: { filter, dryRun: true },
      signal: options.signal,
      idempotent: true,
    });
    return matched;
  }

  /**
   * `POST /jobs/retry`: retries one batch of the failed jobs matching the filter, if it still
   * matches `expect` of them (else a {@link JobsApiError} with status 409 and the current count as
   * `problem.matched`). Continue with `{ expect: remaining, cursor }` while `cursor` is set.
   */
  retryFailed(
    filter: BulkRetryFilter,
    batch: { expect: number; cursor?: string },
    options: RequestOptions = {},
  ): Promise<BulkRetryResult> {
    return this.request<BulkRetryResult>({
      method: 'POST',
      path: 'jobs/retry',
      json: { filter, ...batch },
      signal: options.signal,
      // A retried batch after a lost answer would meet a changed count: refused, never doubled.
      idempotent: false,
    });
  }

  /**
   * Waits until the job reaches a terminal status (completed, failed, cancelled, done) and answers
   * the whole job, whatever that status. Subscribes over the WebSocket API when its URL is known
   * (no request is held open); when there is none or the connection fails, chains long polls,
   * each from the last version seen, so a change is never missed and nothing is re-read while the
   * job stands still.
   *
   * Rejects with {@link JobVanishedError} if the job does not exist or disappears (waiting on would
   * never end), {@link WaitTimeoutError} after `timeout`, the signal's reason when it aborts, and
   * {@link JobsApiError} / {@link JobsConnectionError} when retries run out.
   */
  async waitFor(id: string, options: WaitForOptions = {}): Promise<Job> {
    const timeoutMs = options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
    const pollTimeoutMs = options.pollTimeout ?? DEFAULT_POLL_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const wait = deadlineSignal(options.signal, timeoutMs);
    let last: JobStatusSnapshot | undefined;
    const seen = (status: JobStatusSnapshot) => {
      const snapshot: JobStatusSnapshot = {
        id: status.id,
        status: status.status,
        version: status.version,
        updatedAt: status.updatedAt,
      };
      if (last?.version === snapshot.version) return;
      last = snapshot;
      options.onChange?.(snapshot);
    };
    try {
      const url = options.subscribe === false ? undefined : await this.webSocketUrl();
      if (url && (await this.untilFinalBySubscription(id, url, wait.signal, seen, options.subscribeTimeout))) {
        return await this.vanishingOn404(id, this.get(id, { signal: wait.signal }));
      }
      seen(await this.vanishingOn404(id, this.status(id, { signal: wait.signal })));
      while (last && !isTerminalStatus(last.status)) {
        const remainingMs = deadline - Date.now();
        if (remainingMs <= 0) throw new WaitTimeoutError(id, timeoutMs, last);
        const holdMs = Math.min(remainingMs, pollTimeoutMs);
        const change = await this.vanishingOn404(
          id,
          this.request<JobStatusChange>({
            method: 'GET',
            path: `jobs/${encodeURIComponent(id)}/status`,
            query: { mode: 'long', timeout: Math.ceil(holdMs), since: last.version },
            signal: wait.signal,
            idempotent: true,
            holdMs,
          }),
        );
        seen(change);
      }
      return await this.vanishingOn404(id, this.get(id, { signal: wait.signal }));
    } catch (error) {
      if (wait.timedOut()) throw new WaitTimeoutError(id, timeoutMs, last);
      if (options.signal?.aborted) throw options.signal.reason;
      throw error;
    } finally {
      wait.dispose();
    }
  }

  /**
   * Resolves true once the subscription reports a terminal status, false when it cannot be opened
   * or is not confirmed in time (the caller then long-polls); rejects with JobVanishedError or the
   * signal's reason.
   */
  private untilFinalBySubscription(
    id: string,
    url: string,
    signal: AbortSignal,
    seen: (status: JobStatusSnapshot) => void,
    readyTimeoutMs: number | undefined,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        subscription.close();
        settle();
      };
      const onAbort = () => finish(() => reject(signal.reason));
      const vanished = (problem: JobVanishedError['problem']) =>
        finish(() => reject(new JobVanishedError(id, problem)));
      const subscription = openJobSubscription(
        url,
        this.token,
        [id],
        (status) => {
          seen(status);
          if (isTerminalStatus(status.status)) finish(() => resolve(true));
        },
        {
          onError: (problem) => {
            if (problem.status === 404) vanished(problem);
          },
          onRemoved: () =>
            vanished({
              type: 'urn:serverless-jobs:problem:job-not-found',
              title: 'Job not found',
              status: 404,
              detail: `Job ${id} was removed`,
            }),
          readyTimeoutMs,
        },
        this.webSocketFactory,
      );
      subscription.ready.catch(() => finish(() => resolve(false)));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async vanishingOn404<T>(id: string, pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (error) {
      if (error instanceof JobsApiError && error.status === 404) throw new JobVanishedError(id, error.problem);
      throw error;
    }
  }

  private url(path: string, query: HttpRequest['query'] = {}): string {
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  private async request<T>(request: HttpRequest): Promise<T> {
    const url = this.url(request.path, request.query);
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...request.headers,
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (request.json !== undefined) headers['content-type'] = 'application/json';
    const body = request.json === undefined ? undefined : JSON.stringify(request.json);

    for (let retry = 0; ; retry++) {
      request.signal?.throwIfAborted();
      let failure: Error;
      let retryAfterMs: number | undefined;
      const attempt = deadlineSignal(request.signal, this.requestTimeoutMs + (request.holdMs ?? 0));
      try {
        const fetchFn = this.fetchFn ?? globalThis.fetch;
        const response = await fetchFn(url, { method: request.method, headers, body, signal: attempt.signal });
        const text = await response.text();
        if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        const error = new JobsApiError(toProblem(response.status, response.statusText, text), { retryAfterMs });
        const retryable =
          ALWAYS_RETRYABLE.has(response.status) || (request.idempotent && RETRYABLE_IF_IDEMPOTENT.has(response.status));
        if (!retryable) throw error;
        failure = error;
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (error instanceof JobsApiError || error instanceof SyntaxError) throw error;
        // A network error (or a hung request) may have reached the server: retry only what is harmless to repeat.
        failure = new JobsConnectionError(url, error);
        if (!request.idempotent) throw failure;
      } finally {
        attempt.dispose();
      }
      if (retry >= this.retryPolicy.retries) throw failure;
      // A caller's deadline (waitFor's timeout) aborts the signal, and with it this sleep.
      await sleep(backoffDelay(this.retryPolicy, retry, retryAfterMs), request.signal);
    }
  }
}

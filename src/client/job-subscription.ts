import type { JobStatus } from './job';
import type { JobStatusSnapshot } from './job-status';
import type { Problem } from './problem';
import { backoffDelay, type RetryPolicy } from './retry-policy';

/** Every job whose new state matches: a missing field matches every value. */
export interface JobFilter {
  type?: string;
  status?: JobStatus;
}

/** Job ids to follow, or a filter. */
export type SubscriptionTarget = readonly string[] | JobFilter;

export interface SubscribeOptions {
  /** Closes the subscription when aborted. */
  signal?: AbortSignal;
  /** A job that does not exist, or a message the server refused (a problem naming the field). */
  onError?: (problem: Problem) => void;
  /** A job that was removed (its retention ran out). */
  onRemoved?: (jobId: string) => void;
  /** How reconnects are spaced: full jitter, retried without end while the subscription is open. */
  reconnect?: Partial<Omit<RetryPolicy, 'retries'>>;
  /**
   * How long a connection may take, from opening it to the server's `subscribed`, in ms (default
   * 10 s: a subscribe is answered in well under a second). Past it the connection counts as one
   * that failed: it is closed and another is opened after the reconnect backoff, and for the first
   * connection `ready` rejects with {@link SubscribeTimeoutError}.
   */
  readyTimeoutMs?: number;
}

export const DEFAULT_READY_TIMEOUT_MS = 10_000;

/** The server did not confirm a subscription in time (see {@link SubscribeOptions.readyTimeoutMs}). */
export class SubscribeTimeoutError extends Error {
  override readonly name = 'SubscribeTimeoutError';
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`WebSocket ${url} did not confirm the subscription within ${timeoutMs} ms`);
  }
}

/** An open subscription. */
export interface JobSubscription {
  /**
   * Resolves once the first connection is open and the server confirmed the subscription (the
   * current state of each subscribed job follows); rejects if that first connection fails, or
   * with {@link SubscribeTimeoutError} if it is not confirmed in time. Reconnects continue either
   * way until {@link close}.
   */
  readonly ready: Promise<void>;
  /** Unsubscribes and closes the connection; no more callbacks. */
  close(): void;
}

/** How a connection is opened: the global WebSocket (browsers, Node 22+), or another for tests. */
export type WebSocketFactory = (url: string, apiKey: string | undefined) => WebSocket;

/**
 * Browsers cannot set headers on a WebSocket: they send the key as the `token` query parameter.
 * Node's WebSocket (undici) takes headers as a second argument, which keeps the key out of URLs.
 */
export const defaultWebSocketFactory: WebSocketFactory = (url, apiKey) => {
  if (!apiKey) return new WebSocket(url);
  if (typeof (globalThis as { window?: unknown }).window !== 'undefined') {
    const withToken = new URL(url);
    withToken.searchParams.set('token', apiKey);
    return new WebSocket(withToken);
  }
  return new WebSocket(url, { headers: { 'x-api-key': apiKey } } as unknown as string[]);
};

const DEFAULT_RECONNECT = { baseMs: 250, capMs: 10_000 };

type ServerMessage =
  | { type: 'status'; job: JobStatusSnapshot }
  | { type: 'removed'; jobId: string; version: number }
  | { type: 'subscribed' | 'unsubscribed'; jobIds: string[]; filter?: JobFilter }
  | { type: 'error'; problem: Problem };

/**
 * A subscription over the WebSocket API: subscribes on every (re)connect, so after a reconnect
 * the server sends each job's current state again; reports each job's versions in increasing
 * order only (an older or repeated version, e.g. a snapshot crossing a pushed change, is dropped).
 */
export function openJobSubscription(
  url: string,
  apiKey: string | undefined,
  target: SubscriptionTarget,
  onChange: (status: JobStatusSnapshot) => void,
  options: SubscribeOptions = {},
  factory: WebSocketFactory = defaultWebSocketFactory,
): JobSubscription {
  const request = Array.isArray(target)
    ? { action: 'subscribe', jobIds: [...target] }
    : { action: 'subscribe', filter: target as JobFilter };
  const policy: RetryPolicy = { retries: Number.POSITIVE_INFINITY, ...DEFAULT_RECONNECT, ...options.reconnect };
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const versions = new Map<string, number>();
  let socket: WebSocket | undefined;
  let closed = false;
  let everOpened = false;
  let failures = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let confirmTimer: ReturnType<typeof setTimeout> | undefined;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // A caller that never awaits `ready` must not see an unhandled rejection.
  ready.catch(() => undefined);

  const deliver = (message: ServerMessage) => {
    switch (message.type) {
      case 'status': {
        const seen = versions.get(message.job.id);
        if (seen !== undefined && message.job.version <= seen) return;
        versions.set(message.job.id, message.job.version);
        onChange(message.job);
        return;
      }
      case 'removed':
        versions.delete(message.jobId);
        options.onRemoved?.(message.jobId);
        return;
      case 'subscribed':
        clearTimeout(confirmTimer);
        everOpened = true;
        failures = 0;
        settle?.resolve();
        return;
      case 'error':
        options.onError?.(message.problem);
        return;
    }
  };

  const retryLater = (reason: Error) => {
    clearTimeout(confirmTimer);
    if (!everOpened && failures === 0) settle?.reject(reason);
    const delay = backoffDelay(policy, failures);
    failures += 1;
    reconnectTimer = setTimeout(connect, delay);
  };

  const connect = () => {
    if (closed) return;
    let current: WebSocket;
    try {
      current = factory(url, apiKey);
    } catch (error) {
      // No WebSocket in this runtime, or a URL it refuses: as good as a connection that failed.
      if (!everOpened && failures === 0) settle?.reject(error instanceof Error ? error : new Error(String(error)));
      failures += 1;
      reconnectTimer = setTimeout(connect, backoffDelay(policy, failures));
      return;
    }
    socket = current;
    // A socket that opens but is never answered (the subscribe lost, its function failing) would
    // otherwise hold the subscription, and `ready`, forever.
    confirmTimer = setTimeout(() => {
      if (closed || socket !== current) return;
      socket = undefined; // its close event, whenever the server acknowledges, is not a second failure
      current.close(1000, 'Subscription not confirmed');
      retryLater(new SubscribeTimeoutError(url, readyTimeoutMs));
    }, readyTimeoutMs);
    current.onopen = () => current.send(JSON.stringify(request));
    current.onmessage = (event: MessageEvent) => {
      if (closed || socket !== current) return;
      try {
        deliver(JSON.parse(String(event.data)) as ServerMessage);
      } catch {
        // Not one of ours (e.g. API Gateway's own "Internal server error" notice): nothing to deliver.
      }
    };
    current.onclose = () => {
      if (closed || socket !== current) return;
      retryLater(new Error(`WebSocket ${url} closed before subscribing`));
    };
    // An error is followed by close, which reconnects.
    current.onerror = () => undefined;
  };

  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(reconnectTimer);
    clearTimeout(confirmTimer);
    settle?.reject(new Error('Subscription closed'));
    options.signal?.removeEventListener('abort', close);
    socket?.close(1000, 'Unsubscribed');
  };
  if (options.signal?.aborted) close();
  else options.signal?.addEventListener('abort', close, { once: true });
  connect();
  return { ready, close };
}

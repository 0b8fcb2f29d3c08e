/** The reliability harnesses' HTTP client: plain fetch against the stack's public API. */

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export async function send(url: string, request: HttpRequest = {}): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: request.method ?? 'GET',
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  // An event stream's answer is its status and headers: its body lasts until the job is final.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, headers: response.headers, text: '', json: undefined };
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * What a well-behaved client does when the service is busy: 429, 502, 503, 504, any answer with a
 * Retry-After (e.g. 409 for an Idempotency-Key still in progress) and connection errors are retried with backoff (the same request, so an Idempotency-Key makes a retried submit safe).
 * Resolves with the first other answer; `retries` counts the retries made.
 */
export async function sendRetrying(
  url: string,
  request: HttpRequest,
  counters: { retries: number },
  attempts = 8,
): Promise<HttpAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await send(url, request);
      const busy =
        [429, 502, 503, 504].includes(answer.status) || (answer.status >= 400 && answer.headers.has('retry-after'));
      if (!busy || attempt >= attempts) return answer;
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
    counters.retries++;
    await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 5_000)));
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

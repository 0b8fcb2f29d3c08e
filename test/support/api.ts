/** Talks to the API the way any HTTP client would; JOBS_API_URL is set by the global setup. */
export function apiUrl(path: string): string {
  const base = process.env.JOBS_API_URL;
  if (!base) throw new Error('JOBS_API_URL is not set: run through `npm test`');
  return new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`).toString();
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = Record<string, unknown>>(
  path: string,
  init: { method?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (process.env.JOBS_API_KEY && !('x-api-key' in headers)) headers['x-api-key'] = process.env.JOBS_API_KEY;
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(apiUrl(path), { method: init.method ?? 'GET', headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
}

export interface JobStatusBody {
  id: string;
  status: string;
  version: number;
  updatedAt: string;
}

/** Short-polls a job's status until it is one of `statuses`; fails with the last status seen. */
export async function waitForStatus(id: string, statuses: string[], timeoutMs = 20_000): Promise<JobStatusBody> {
  const deadline = Date.now() + timeoutMs;
  let last: JobStatusBody | undefined;
  while (Date.now() < deadline) {
    const { body } = await api<JobStatusBody>(`/jobs/${id}/status`);
    last = body;
    if (statuses.includes(body.status)) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `Job ${id} did not reach ${statuses.join('|')} in ${timeoutMs} ms; last seen ${JSON.stringify(last)}`,
  );
}

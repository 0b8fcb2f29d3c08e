/**
 * Submit latency at a given number of concurrent HTTP clients (autocannon, keep-alive connections),
 * each with its own token: one token's usage plan (50 requests/s) would throttle them all together.
 * The percentiles are over the accepted submits; the others are counted by status.
 */
import autocannon from 'autocannon';
import { latencyPercentiles } from './stats';
import { ZERO_WORK_EMAIL } from './jobs-api';

export interface SubmitLatency {
  clients: number;
  requests: number;
  /** Answers other than 202 (e.g. 429 from throttling), errors and timeouts. */
  non202: number;
  /** The non-202 answers by status. */
  statuses: Record<string, number>;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

export async function measureSubmitLatency(options: {
  url: string;
  /** One per client, reused round the clients when fewer. */
  apiKeys: readonly string[];
  clients: number;
  requests: number;
}): Promise<SubmitLatency> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let answers = 0;
  let clientCount = 0;
  const startedAt = performance.now();
  let finish: (result: autocannon.Result) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const instance = autocannon(
    {
      url: `${options.url}/jobs/email`,
      method: 'POST',
      body: ZERO_WORK_EMAIL,
      connections: options.clients,
      amount: Math.max(options.requests, options.clients),
      timeout: 30,
      // Each connection's headers: its own token.
      setupClient: (client) => {
        client.setHeaders({
          'content-type': 'application/json',
          'x-api-key': options.apiKeys[clientCount++ % options.apiKeys.length]!,
        });
      },
    },
    (error, result) => (error ? fail(error as Error) : finish(result)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    answers++;
    if (statusCode === 202) latencies.push(responseTime);
    else statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const result = await finished;
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    clients: options.clients,
    requests: answers,
    non202: answers - latencies.length + result.errors + result.timeouts,
    statuses,
    requestsPerSecond: answers / seconds,
    ...latencyPercentiles(latencies),
  };
}

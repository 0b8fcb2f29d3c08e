/** Submit latency at a given number of concurrent HTTP clients (autocannon, keep-alive connections). */
import autocannon from 'autocannon';
import { latencyPercentiles } from './stats';
import { ZERO_WORK_EMAIL } from './jobs-api';

export interface SubmitLatency {
  clients: number;
  requests: number;
  /** Answers other than 202 (e.g. 429 from throttling). */
  non202: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

export async function measureSubmitLatency(options: {
  url: string;
  apiKey: string;
  clients: number;
  requests: number;
}): Promise<SubmitLatency> {
  const latencies: number[] = [];
  let non202 = 0;
  const startedAt = performance.now();
  let finish: (result: autocannon.Result) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const instance = autocannon(
    {
      url: `${options.url}/jobs/email`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
      body: ZERO_WORK_EMAIL,
      connections: options.clients,
      amount: Math.max(options.requests, options.clients),
      timeout: 30,
    },
    (error, result) => (error ? fail(error as Error) : finish(result)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    if (statusCode !== 202) non202++;
  });
  const result = await finished;
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    clients: options.clients,
    requests: latencies.length,
    non202: non202 + result.errors + result.timeouts,
    requestsPerSecond: latencies.length / seconds,
    ...latencyPercentiles(latencies),
  };
}

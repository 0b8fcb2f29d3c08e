import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { AnyJobType } from '../../src/jobs/job';
import type { JobLog } from '../../src/jobs/ports/job-log';
import type { JobMetrics } from '../../src/jobs/ports/job-metrics';

/** One of each per execution environment; service name from POWERTOOLS_SERVICE_NAME. */
export const logger = new Logger();
export const metrics = new Metrics({ namespace: 'ServerlessJobs' });

/**
 * Powertools Tracer, imported only where it traces: inside Lambda (AWS_EXECUTION_ENV set, the test
 * the Tracer makes itself) unless POWERTOOLS_TRACE_ENABLED=false. Elsewhere (the local stack sets
 * no AWS_EXECUTION_ENV) a Tracer would be a no-op, yet importing it evaluates the X-Ray SDK under
 * it (aws-xray-sdk-core, cls-hooked, semver: ~120 KB, a fifth of a small bundle's import time).
 */
const tracing =
  process.env.AWS_EXECUTION_ENV && process.env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false'
    ? await Promise.all([
        import('@aws-lambda-powertools/tracer'),
        import('@aws-lambda-powertools/tracer/middleware'),
      ]).then(([{ Tracer }, { captureLambdaHandler }]) => ({ tracer: new Tracer(), captureLambdaHandler }))
    : undefined;

/** X-Ray subsegments for every call of an AWS SDK client, in Lambda; the client as it is elsewhere. */
export const tracer = {
  captureAWSv3Client: <Client>(client: Client): Client =>
    tracing ? tracing.tracer.captureAWSv3Client(client) : client,
};

/** The lifecycle's structured log, written through Powertools as one JSON line per stage. */
export const jobLog: JobLog = {
  info: (message, attributes = {}) => logger.info(message, attributes),
  warn: (message, attributes = {}) => logger.warn(message, attributes),
  error: (message, attributes = {}) => logger.error(message, attributes),
};

/** A metric with the job type as its only dimension, flushed on its own so types never mix. */
function putByType(
  name: string,
  type: AnyJobType,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit],
  value: number,
): void {
  const single = metrics.singleMetric();
  single.addDimension('type', type);
  single.addMetric(name, unit, value);
}

export const jobMetrics: JobMetrics = {
  jobSubmitted: (type) => putByType('JobsSubmitted', type, MetricUnit.Count, 1),
  jobCompleted: (type, durationMs) => {
    putByType('JobsCompleted', type, MetricUnit.Count, 1);
    putByType('JobDurationMs', type, MetricUnit.Milliseconds, durationMs);
  },
  jobFailed: (type) => putByType('JobsFailed', type, MetricUnit.Count, 1),
  jobRescued: (type) => putByType('JobsRescued', type, MetricUnit.Count, 1),
};

/**
 * Tracing and the Lambda context in every log line. Metrics are single metrics published as they
 * happen, so functions that record none print no empty-metrics warnings. Traces keep no handler
 * response: a job's page carries its (masked) payload and result, which X-Ray has no need of.
 */
export function observability(): MiddlewareObj[] {
  return [
    ...(tracing ? [tracing.captureLambdaHandler(tracing.tracer, { captureResponse: false })] : []),
    injectLambdaContext(logger),
  ];
}

export function recordWakeLatency(latencyMs: number): void {
  metrics.singleMetric().addMetric('LongPollWakeLatencyMs', MetricUnit.Milliseconds, latencyMs);
}

/**
 * Records a batch handler reports as failed (`NotifierFailures`, or `BatchItemsFailed` by job type):
 * Lambda retries them without counting a function error, so only this metric's alarm sees them.
 */
export function recordFailures(name: 'BatchItemsFailed' | 'NotifierFailures', count: number, type?: string): void {
  if (count <= 0) return;
  const single = metrics.singleMetric();
  if (type) single.addDimension('type', type);
  single.addMetric(name, MetricUnit.Count, count);
}

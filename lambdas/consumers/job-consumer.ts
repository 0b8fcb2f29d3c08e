import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { changeMessageVisibility } from '../../src/aws/sqs-job-queue';
import { handleJobMessage, parseJobMessage } from '../../src/jobs/use-cases/handle-job-message';
import { createConsumerDependencies } from '../commons/consumer-dependencies';
import { requireEnv } from '../commons/environment';
import { logger, observability, recordFailures } from '../commons/powertools';

const { deps, sqs, queueUrl } = createConsumerDependencies(requireEnv('JOB_TYPE'));
const processor = new BatchProcessor(EventType.SQS);

/** Reported to Lambda as a batch item failure: the message comes back after the visibility we set. */
class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

/**
 * Processors are told to stop this long before the function's timeout, so that the attempt is
 * recorded (and retried) instead of the worker being killed with the job still leased.
 */
export function abortMarginMs(remainingMs: number): number {
  return Math.max(1_000, Math.round(remainingMs * 0.1));
}

async function handleRecord(record: SQSRecord, signal: AbortSignal): Promise<void> {
  const message = parseJobMessage(record.body, deps.jobTypes.names);
  logger.appendKeys({ jobId: message.jobId, type: message.type });
  try {
    const outcome = await handleJobMessage(deps, message, signal);
    if (outcome.kind === 'retry-later') {
      await changeMessageVisibility(sqs, queueUrl, record.receiptHandle, outcome.visibilitySeconds);
      throw new RetryLaterError(`${outcome.reason}: back in ${outcome.visibilitySeconds} s`);
    }
  } finally {
    logger.removeKeys(['jobId', 'type']);
  }
}

/** One consumer per job type: each record is one job delivery; failures are reported per record. */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(observability())
  .handler(async (event, context) => {
    const remainingMs = context.getRemainingTimeInMillis();
    const signal = AbortSignal.timeout(Math.max(0, remainingMs - abortMarginMs(remainingMs)));
    const response = await processPartialResponse(
      event,
      (record: SQSRecord) => handleRecord(record, signal),
      processor,
      { context, throwOnFullBatchFailure: false },
    );
    recordFailures('BatchItemsFailed', response.batchItemFailures.length, requireEnv('JOB_TYPE'));
    return response;
  });

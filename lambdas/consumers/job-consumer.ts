import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { changeMessageVisibility } from '../../src/aws/sqs-job-queue';
import { isJobType } from '../../src/jobs/job';
import { handleJobMessage, parseJobMessage } from '../../src/jobs/use-cases/handle-job-message';
import { createConsumerDependencies } from '../commons/consumer-dependencies';
import { requireEnv } from '../commons/environment';
import { logger, observability } from '../commons/powertools';

const jobType = requireEnv('JOB_TYPE');
if (!isJobType(jobType)) throw new Error(`JOB_TYPE ${jobType} is not a job type`);
const { deps, sqs, queueUrl } = createConsumerDependencies(jobType);
const processor = new BatchProcessor(EventType.SQS);

/** Reported to Lambda as a batch item failure: the message comes back after the visibility we set. */
class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

async function handleRecord(record: SQSRecord): Promise<void> {
  const message = parseJobMessage(record.body);
  logger.appendKeys({ jobId: message.jobId, type: message.type });
  try {
    const outcome = await handleJobMessage(deps, message);
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
  .handler(async (event, context) =>
    processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false }),
  );

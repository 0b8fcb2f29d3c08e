import middy from '@middy/core';
import { sqs } from '../commons/clients';
import { SqsDeadLetterQueue } from '../../src/aws/sqs-dead-letter-queue';
import {
  recordDeadLetters,
  type RecordDeadLettersDeps,
  type RecordDeadLettersResult,
} from '../../src/jobs/use-cases/record-dead-letters';
import { readDeadLetterQueueUrls } from '../commons/environment';
import { jobsRepository } from '../commons/jobs-repository';
import { declaredJobTypes } from '../commons/job-types';
import { jobLog, jobMetrics, logger, observability } from '../commons/powertools';

const deadLetterQueueUrls = readDeadLetterQueueUrls(declaredJobTypes().names);
const deps: RecordDeadLettersDeps = {
  repository: jobsRepository(),
  log: jobLog,
  metrics: jobMetrics,
  clock: () => new Date(),
};

/**
 * Runs every minute: marks jobs whose messages reached a DLQ as failed and dead-lettered, leaving
 * the messages where they are (a Lambda event source would delete them); deletes only letters
 * from a round of their job that a retry or redrive has replaced.
 */
async function recordAll(): Promise<Record<string, RecordDeadLettersResult>> {
  const results: Record<string, RecordDeadLettersResult> = {};
  for (const [type, url] of Object.entries(deadLetterQueueUrls)) {
    results[type] = await recordDeadLetters(deps, new SqsDeadLetterQueue(sqs, url));
  }
  logger.info('Dead letters recorded', { results });
  return results;
}

export const handler = middy().use(observability()).handler(recordAll);

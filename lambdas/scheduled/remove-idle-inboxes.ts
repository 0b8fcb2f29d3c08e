import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createSqsClient } from '../../src/aws/aws-clients';
import { removeIdleInboxes } from '../../src/aws/sqs-waiter-inboxes';
import { requireEnv } from '../commons/environment';
import { logger } from '../commons/powertools';

const sqs = createSqsClient();
const prefix = requireEnv('INBOX_QUEUE_PREFIX');

/** Every 15 minutes: deletes long-poll inboxes whose execution environment went away. */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const removed = await removeIdleInboxes(sqs, prefix);
    logger.info('Idle inboxes removed', { removed });
    return { removed };
  });

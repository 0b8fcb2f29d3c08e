import middy from '@middy/core';
import { sqs } from '../commons/clients';
import { removeIdleInboxes } from '../../src/aws/sqs-waiter-inboxes';
import { requireEnv } from '../commons/environment';
import { logger, observability } from '../commons/powertools';

const prefix = requireEnv('INBOX_QUEUE_PREFIX');

/** Every 15 minutes: deletes long-poll inboxes whose execution environment went away. */
export const handler = middy()
  .use(observability())
  .handler(async () => {
    const removed = await removeIdleInboxes(sqs, prefix);
    logger.info('Idle inboxes removed', { removed });
    return { removed };
  });

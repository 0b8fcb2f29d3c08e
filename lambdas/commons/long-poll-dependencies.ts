import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { DynamoDbLongPollSlots } from '../../src/aws/dynamodb-long-poll-slots';
import { DynamoDbWaiterRegistry } from '../../src/aws/dynamodb-waiter-registry';
import { SqsInboxPool } from '../../src/aws/sqs-waiter-inboxes';
import { DEFAULT_LONG_POLLS_PER_TOKEN, type LongPollSlotDeps } from '../../src/jobs/use-cases/long-poll-slot';
import type { WaitForChangeDeps } from '../../src/jobs/use-cases/wait-for-change';
import { documentClient, sqs } from './clients';
import { requireEnv } from './environment';
import { jobsRepository } from './jobs-repository';

/**
 * What a function that holds clients while a job changes (long polls, server-sent events) needs,
 * as LongPoll.grantWait configures it: the job read, the waiter registry and this environment's
 * inboxes, and the per-token slots that cap how many such requests one client holds open.
 */
export const waitDeps: WaitForChangeDeps = {
  repository: jobsRepository(),
  registry: new DynamoDbWaiterRegistry(documentClient, requireEnv('WAITERS_TABLE_NAME')),
  inboxes: new SqsInboxPool(sqs, {
    prefix: requireEnv('INBOX_QUEUE_PREFIX'),
    ...(process.env.INBOX_KMS_KEY_ID ? { kmsMasterKeyId: process.env.INBOX_KMS_KEY_ID } : {}),
  }),
  clock: () => new Date(),
  newId: () => randomUUID(),
};

export const slotDeps: LongPollSlotDeps = {
  slots: new DynamoDbLongPollSlots(documentClient, requireEnv('LONG_POLL_SLOTS_TABLE_NAME')),
  clock: waitDeps.clock,
  newId: waitDeps.newId,
};

export const longPollsPerToken = Number(process.env.JOBS_LONG_POLLS_PER_TOKEN ?? DEFAULT_LONG_POLLS_PER_TOKEN);

/**
 * Whom a held request counts against: the token the authorizer identified, or the caller's
 * address when the read routes are open (no authorizer runs, so there is no token to count).
 */
export function longPollHolder(event: APIGatewayProxyEvent): string {
  const tokenId = (event.requestContext.authorizer as { tokenId?: unknown } | null | undefined)?.tokenId;
  if (typeof tokenId === 'string' && tokenId !== '') return `token:${tokenId}`;
  return `ip:${event.requestContext.identity.sourceIp}`;
}

// @ts-check
/**
 * MessageRetentionPeriod for fauxqs, which accepts the attribute but never expires a message
 * (2.4.1). SQS deletes a message once it is older than its queue's retention, whether it is ready,
 * delayed or in flight, and counts the age from the original send, also after a move to a
 * dead-letter queue (standard queues): fauxqs moves the message object itself, so its
 * `sentTimestamp` is that send. Works on fauxqs's own queue objects (SqsQueue of
 * fauxqs/dist/sqs/sqsStore.js), which is why the package is pinned exactly.
 */

/** How often fauxqs-server.mjs sweeps; SQS itself gives no promise of promptness either. */
export const RETENTION_SWEEP_INTERVAL_MS = 1000;

const DEFAULT_FIFO_GROUP_ID = '__default';

/**
 * @typedef {import('./fauxqs-retention.d.mts').FauxqsMessage} FauxqsMessage
 * @typedef {import('./fauxqs-retention.d.mts').FauxqsQueue} FauxqsQueue
 */

/**
 * Deletes every message of `queues` older than its queue's MessageRetentionPeriod at `now`
 * (epoch ms); returns how many it deleted.
 * @param {Iterable<FauxqsQueue>} queues
 * @param {number} now
 */
export function expireMessages(queues, now) {
  let expired = 0;
  for (const queue of queues) {
    const retentionSeconds = Number(queue.attributes.MessageRetentionPeriod);
    if (!Number.isFinite(retentionSeconds) || retentionSeconds <= 0) continue;
    const cutoff = now - retentionSeconds * 1000;
    /** @param {FauxqsMessage} message */
    const isExpired = (message) => message.sentTimestamp <= cutoff;
    /** @param {FauxqsMessage[]} list */
    const keepLive = (list) =>
      list.filter((message) => {
        if (!isExpired(message)) return true;
        forget(message);
        return false;
      });
    /** @param {FauxqsMessage} message */
    const forget = (message) => {
      expired++;
      queue.persistence?.deleteMessage(message.messageId);
    };
    queue.messages = keepLive(queue.messages);
    queue.delayedMessages = keepLive(queue.delayedMessages);
    for (const groups of [queue.fifoMessages, queue.fifoDelayed])
      for (const [groupId, list] of groups) {
        const live = keepLive(list);
        if (live.length) groups.set(groupId, live);
        else groups.delete(groupId);
      }
    for (const [receiptHandle, { message }] of queue.inflightMessages) {
      if (!isExpired(message)) continue;
      queue.inflightMessages.delete(receiptHandle);
      forget(message);
      // An in-flight FIFO message holds its group: gone, it must release it as a delete would.
      const groupId = message.messageGroupId ?? DEFAULT_FIFO_GROUP_ID;
      const locks = queue.fifoLockedGroups.get(groupId);
      if (locks !== undefined) {
        if (locks <= 1) queue.fifoLockedGroups.delete(groupId);
        else queue.fifoLockedGroups.set(groupId, locks - 1);
      }
    }
  }
  return expired;
}

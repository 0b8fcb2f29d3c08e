import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LongPollSlot, LongPollSlots } from '../jobs/ports/long-poll-slots';
import { mapOverload } from './aws-error-mapping';

/** A holder's item outlives its newest slot by this much, then DynamoDB's TTL removes it (seconds). */
const IDLE_HOLDER_TTL_SECONDS = 3_600;
/** Acquire rounds: a first-ever slot creates the item, and expired slots are pruned, each racing others. */
const MAX_ROUNDS = 4;

interface HolderItem {
  holder: string;
  /** slotId → the slot's expiry, epoch ms. */
  slots?: Record<string, number>;
  expiresAt: number;
}

/**
 * The long-poll slots table: one item per holder (partition key `holder`) whose `slots` map holds
 * each open poll's expiry. Why one map rather than a counter or an item per poll: a counter
 * (`count < :cap`, decremented in finally) leaks a slot for good whenever a Lambda dies before its
 * finally runs (timeout, crash, out of memory); items per poll with a TTL cannot be counted and
 * written in one conditional step, so two environments could both see cap - 1 and both take a
 * slot. With a map, `size(slots) < :cap` and the new entry are one conditional UpdateItem, and a
 * dead poll's entry stops mattering at its expiry: an acquire that finds the map full removes the
 * expired entries and tries again.
 */
export class DynamoDbLongPollSlots implements LongPollSlots {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async tryAcquire(slot: LongPollSlot, cap: number, now: number): Promise<boolean> {
    if (cap < 1) return false;
    const expiresAt = Math.ceil(slot.expiresAt / 1000) + IDLE_HOLDER_TTL_SECONDS;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const held = await this.addIfBelowCap(slot, cap, expiresAt);
      if (held === 'added') return true;
      if (held === undefined) {
        // No item yet: the first slot creates it, unless another environment just did.
        if (await this.createWith(slot, expiresAt)) return true;
        continue;
      }
      const expired = Object.entries(held)
        .filter(([, until]) => until <= now)
        .map(([slotId]) => slotId);
      if (expired.length === 0) return false;
      await this.remove(slot.holder, expired);
    }
    return false;
  }

  async release(slot: LongPollSlot): Promise<void> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { holder: slot.holder },
          UpdateExpression: 'REMOVE slots.#slot',
          ConditionExpression: 'attribute_exists(slots.#slot)',
          ExpressionAttributeNames: { '#slot': slot.slotId },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      mapOverload('DynamoDB')(error);
    }
  }

  /** 'added', or the holder's slots as they were when the map was full; undefined when it has no item. */
  private async addIfBelowCap(
    slot: LongPollSlot,
    cap: number,
    expiresAt: number,
  ): Promise<'added' | Record<string, number> | undefined> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { holder: slot.holder },
          UpdateExpression: 'SET slots.#slot = :until, expiresAt = :expiresAt',
          ConditionExpression: 'size(slots) < :cap',
          ExpressionAttributeNames: { '#slot': slot.slotId },
          ExpressionAttributeValues: { ':until': slot.expiresAt, ':expiresAt': expiresAt, ':cap': cap },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'added';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) return mapOverload('DynamoDB')(error);
      // The old item arrives as a raw attribute map even through the document client.
      const raw = error.Item as Record<string, AttributeValue> | undefined;
      return raw ? ((unmarshall(raw) as HolderItem).slots ?? {}) : undefined;
    }
  }

  private async createWith(slot: LongPollSlot, expiresAt: number): Promise<boolean> {
    const item: HolderItem = { holder: slot.holder, slots: { [slot.slotId]: slot.expiresAt }, expiresAt };
    try {
      await this.documentClient.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(holder)' }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      return mapOverload('DynamoDB')(error);
    }
  }

  /** Removing an expired entry is always right: slot ids are never reused, so no live poll owns it. */
  private async remove(holder: string, slotIds: string[]): Promise<void> {
    const names = Object.fromEntries(slotIds.map((slotId, i) => [`#s${i}`, slotId]));
    await this.documentClient
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { holder },
          UpdateExpression: `REMOVE ${slotIds.map((_, i) => `slots.#s${i}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(holder)',
          ExpressionAttributeNames: names,
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return;
        mapOverload('DynamoDB')(error);
      });
  }
}

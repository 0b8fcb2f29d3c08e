import type { LongPollSlot, LongPollSlots } from '../ports/long-poll-slots';

/** Slots per holder in one process: the shape the DynamoDB adapter keeps in one item per holder. */
export class InMemoryLongPollSlots implements LongPollSlots {
  private readonly byHolder = new Map<string, Map<string, number>>();

  async tryAcquire(slot: LongPollSlot, cap: number, now: number): Promise<boolean> {
    const slots = this.byHolder.get(slot.holder) ?? new Map<string, number>();
    for (const [slotId, expiresAt] of slots) if (expiresAt <= now) slots.delete(slotId);
    if (slots.size >= cap) return false;
    slots.set(slot.slotId, slot.expiresAt);
    this.byHolder.set(slot.holder, slots);
    return true;
  }

  async release(slot: LongPollSlot): Promise<void> {
    const slots = this.byHolder.get(slot.holder);
    slots?.delete(slot.slotId);
    if (slots?.size === 0) this.byHolder.delete(slot.holder);
  }
}

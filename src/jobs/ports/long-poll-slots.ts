/** One open long poll of a client: held while it waits, released when it answers. */
export interface LongPollSlot {
  /** Who holds it: the token's id (or, on open routes, the caller's address). */
  holder: string;
  slotId: string;
  /**
   * Epoch ms after which the slot no longer counts, released or not: a Lambda that crashed or
   * timed out mid-wait never runs its release, and its slot must not stay taken for ever.
   */
  expiresAt: number;
}

/** How many long polls each client has open, counted the same in every execution environment. */
export interface LongPollSlots {
  /**
   * Takes the slot unless its holder already holds `cap` live ones (expired ones do not count):
   * atomic, so concurrent acquires from any number of environments never take more than `cap`.
   * `now` (epoch ms) decides which slots have expired.
   */
  tryAcquire(slot: LongPollSlot, cap: number, now: number): Promise<boolean>;
  /** Gives the slot back; releasing one that is not held (already released, expired) is harmless. */
  release(slot: LongPollSlot): Promise<void>;
}

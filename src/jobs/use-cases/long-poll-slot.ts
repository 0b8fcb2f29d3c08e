import { TooManyLongPollsError } from '../errors/too-many-long-polls-error';
import type { LongPollSlots } from '../ports/long-poll-slots';

export interface LongPollSlotDeps {
  slots: LongPollSlots;
  clock: () => Date;
  newId: () => string;
}

export interface LongPollSlotRequest {
  /** Who the poll counts against: one token (or one caller address on open routes). */
  holder: string;
  /** How many long polls one holder may have open at once. */
  cap: number;
  /** The longest this poll can run (the invocation's remaining time): its slot expires after that. */
  maxHoldMs: number;
}

/** Default number of open long polls per token: a dashboard and a few clients, not a thousand sockets. */
export const DEFAULT_LONG_POLLS_PER_TOKEN = 10;
/** A slot outlives its poll's longest run by this much, so clock skew between environments never frees a live one. */
export const SLOT_GRACE_MS = 5_000;
/**
 * What a refused client is told to wait. A slot frees when any of the holder's polls answers,
 * which nothing predicts (a change, or a timeout of up to 25 s); a short wait keeps a well-behaved
 * client close to its cap, and a refusal costs one small invocation.
 */
export const LONG_POLL_RETRY_AFTER_SECONDS = 2;

/**
 * Runs `wait` in one of the holder's long-poll slots, released when it ends however it ends. A
 * holder already at its cap gets TooManyLongPollsError and `wait` never runs. A Lambda that dies
 * mid-wait skips the release; its slot then stops counting when it expires.
 */
export async function withLongPollSlot<T>(
  deps: LongPollSlotDeps,
  request: LongPollSlotRequest,
  wait: () => Promise<T>,
): Promise<T> {
  const now = deps.clock().getTime();
  const slot = { holder: request.holder, slotId: deps.newId(), expiresAt: now + request.maxHoldMs + SLOT_GRACE_MS };
  if (!(await deps.slots.tryAcquire(slot, request.cap, now))) {
    throw new TooManyLongPollsError(request.cap, LONG_POLL_RETRY_AFTER_SECONDS);
  }
  try {
    return await wait();
  } finally {
    // An unreleased slot expires on its own: a failed release must not fail the answer.
    await deps.slots.release(slot).catch(() => undefined);
  }
}

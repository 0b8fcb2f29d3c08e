import { randomUUID } from 'node:crypto';
import type { LongPollSlot, LongPollSlots } from '../../src/jobs/ports/long-poll-slots';

const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const aSlot = (holder: string, expiresAt = NOW + 30_000): LongPollSlot => ({ holder, slotId: randomUUID(), expiresAt });
const aHolder = () => `token:${randomUUID()}`;

/** What every LongPollSlots adapter must do: at most `cap` live slots per holder, however they race. */
export function describeLongPollSlotsConformance(name: string, makeAdapter: () => Promise<LongPollSlots>): void {
  describe(`${name}: LongPollSlots conformance`, () => {
    let slots: LongPollSlots;

    beforeAll(async () => {
      slots = await makeAdapter();
    });

    test('a holder gets up to its cap and is refused the next', async () => {
      const holder = aHolder();
      const taken = [];
      for (let i = 0; i < 4; i++) taken.push(await slots.tryAcquire(aSlot(holder), 3, NOW));
      expect(taken).toEqual([true, true, true, false]);
    });

    test('a released slot can be taken again', async () => {
      const holder = aHolder();
      const first = aSlot(holder);
      expect(await slots.tryAcquire(first, 2, NOW)).toBe(true);
      expect(await slots.tryAcquire(aSlot(holder), 2, NOW)).toBe(true);
      expect(await slots.tryAcquire(aSlot(holder), 2, NOW)).toBe(false);
      await slots.release(first);
      expect(await slots.tryAcquire(aSlot(holder), 2, NOW)).toBe(true);
    });

    test("holders are counted apart: one at its cap does not refuse another's poll", async () => {
      const [full, other] = [aHolder(), aHolder()];
      expect(await slots.tryAcquire(aSlot(full), 1, NOW)).toBe(true);
      expect(await slots.tryAcquire(aSlot(full), 1, NOW)).toBe(false);
      expect(await slots.tryAcquire(aSlot(other), 1, NOW)).toBe(true);
    });

    test('a slot never released (its Lambda died) stops counting once it expires', async () => {
      const holder = aHolder();
      expect(await slots.tryAcquire(aSlot(holder, NOW + 10_000), 1, NOW)).toBe(true);
      expect(await slots.tryAcquire(aSlot(holder), 1, NOW + 9_999)).toBe(false);
      expect(await slots.tryAcquire(aSlot(holder, NOW + 40_000), 1, NOW + 10_000)).toBe(true);
      expect(await slots.tryAcquire(aSlot(holder), 1, NOW + 10_000)).toBe(false);
    });

    test('concurrent acquires, first ones included, take exactly the cap', async () => {
      const holder = aHolder();
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => slots.tryAcquire(aSlot(holder), 5, NOW)));
      expect(outcomes.filter(Boolean)).toHaveLength(5);
    });

    test('releasing a slot that is not held is harmless and frees nothing else', async () => {
      const holder = aHolder();
      await expect(slots.release(aSlot(aHolder()))).resolves.toBeUndefined();
      const held = aSlot(holder);
      expect(await slots.tryAcquire(held, 1, NOW)).toBe(true);
      await slots.release(held);
      await slots.release(held);
      await slots.release(aSlot(holder));
      expect(await slots.tryAcquire(aSlot(holder), 1, NOW)).toBe(true);
      expect(await slots.tryAcquire(aSlot(holder), 1, NOW)).toBe(false);
    });
  });
}

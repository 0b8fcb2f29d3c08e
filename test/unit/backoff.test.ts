import { backoffDelayMs } from '../../src/jobs/backoff';

const BACKOFF = { baseMs: 1_000, capMs: 60_000 };
const ALMOST_ONE = 1 - Number.EPSILON;
const fixed = (value: number) => (): number => value;

describe('backoffDelayMs', () => {
  it('random = 0 retries at once', () => {
    for (const attempt of [1, 2, 5, 30]) expect(backoffDelayMs(attempt, BACKOFF, fixed(0))).toBe(0);
  });

  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [6, 32_000],
  ])('after attempt %i the delay approaches base · 2^(attempt−1) = %i ms as random → 1', (attempt, ceiling) => {
    const delay = backoffDelayMs(attempt, BACKOFF, fixed(ALMOST_ONE));
    expect(delay).toBeLessThan(ceiling);
    expect(delay).toBeGreaterThanOrEqual(ceiling - 1);
  });

  it('the cap bounds the delay however many attempts failed', () => {
    for (const attempt of [7, 8, 20, 100, 10_000]) {
      const delay = backoffDelayMs(attempt, BACKOFF, fixed(ALMOST_ONE));
      expect(delay).toBeLessThan(BACKOFF.capMs);
      expect(delay).toBeGreaterThanOrEqual(BACKOFF.capMs - 1);
    }
  });

  it('full jitter scales the ceiling by the random value', () => {
    expect(backoffDelayMs(3, BACKOFF, fixed(0.5))).toBe(2_000);
    expect(backoffDelayMs(10, BACKOFF, fixed(0.25))).toBe(15_000);
  });

  it('the ceiling grows with each attempt until the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelayMs(attempt, BACKOFF, fixed(ALMOST_ONE)));
    for (let i = 1; i < ceilings.length; i++) expect(ceilings[i]).toBeGreaterThanOrEqual(ceilings[i - 1] ?? 0);
    expect(ceilings[1]).toBeGreaterThan(ceilings[0] ?? Infinity);
    expect(ceilings.at(-1)).toBe(BACKOFF.capMs - 1);
  });

  it('attempt 0 or below is treated like the first attempt', () => {
    expect(backoffDelayMs(0, BACKOFF, fixed(ALMOST_ONE))).toBe(999);
    expect(backoffDelayMs(-3, BACKOFF, fixed(ALMOST_ONE))).toBe(999);
  });

  it('returns whole milliseconds within [0, ceiling) with the default random source', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(4, BACKOFF);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(8_000);
    }
  });
});

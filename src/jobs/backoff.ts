/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a uniformly random delay in [0, min(cap, base · 2^(attempt−1))]. Jitter spreads retries of jobs
 * that failed together, so a recovering provider is not hit by all of them at once.
 */
export function backoffDelayMs(
  attempt: number,
  backoff: { baseMs: number; capMs: number },
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(exponent, 52));
  return Math.floor(random() * ceiling);
}

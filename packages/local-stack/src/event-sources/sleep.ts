/**
 * Resolves after ms, at once when the signal aborts, or as soon as one of `wakers` settles,
 * whichever is first (never rejects; the timer is cleared either way).
 */
export function sleep(ms: number, signal?: AbortSignal, wakers: readonly Promise<unknown>[] = []): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
    for (const waker of wakers) waker.then(done, done);
  });
}

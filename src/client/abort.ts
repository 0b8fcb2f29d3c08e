/** A signal that aborts with its parent or after `timeoutMs`, whichever comes first; `dispose` stops the timer. */
export function deadlineSignal(
  parent: AbortSignal | undefined,
  timeoutMs: number,
): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let expired = false;
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const timer = Number.isFinite(timeoutMs)
    ? setTimeout(
        () => {
          expired = true;
          controller.abort(new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError'));
        },
        Math.max(0, timeoutMs),
      )
    : undefined;
  return {
    signal: controller.signal,
    timedOut: () => expired && !parent?.aborted,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

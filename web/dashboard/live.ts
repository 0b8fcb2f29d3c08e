// The dashboard follows jobs over the WebSocket API with the typed client's own subscription
// (the same protocol, reconnects and resubscribes), never by polling the REST API.
import type { JobStatusSnapshot } from '../../src/client/job-status';
import { openJobSubscription, type SubscriptionTarget } from '../../src/client/job-subscription';
import { currentApiKey, onApiKeyChange } from './api';

/** The WebSocket API's URL, as the page was served with it (empty when the stack has none). */
export const websocketUrl =
  document.querySelector<HTMLMetaElement>('meta[name="websocket-url"]')?.content.trim() || undefined;

export type LiveState = 'connecting' | 'live' | 'unavailable';

/**
 * Follows `target` until the signal aborts: `onChange` gets every new version, `onState` the
 * connection's state. A new API token reconnects with it (the connect route checks it).
 */
export function followJobs(
  target: SubscriptionTarget,
  onChange: (job: JobStatusSnapshot) => void,
  onState: (state: LiveState) => void,
  signal: AbortSignal,
): void {
  if (!websocketUrl) {
    onState('unavailable');
    return;
  }
  const url = websocketUrl;
  let subscription: ReturnType<typeof openJobSubscription> | undefined;
  const open = () => {
    subscription?.close();
    onState('connecting');
    subscription = openJobSubscription(url, currentApiKey(), target, onChange, { reconnect: { capMs: 5_000 } });
    const opened = subscription;
    opened.ready.then(
      () => subscription === opened && onState('live'),
      () => subscription === opened && onState('connecting'),
    );
  };
  open();
  const unsubscribe = onApiKeyChange(() => open());
  signal.addEventListener('abort', () => {
    unsubscribe();
    subscription?.close();
  });
}

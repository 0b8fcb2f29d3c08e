import { SIGNATURE_HEADER, signatureOf } from './webhook-signature.ts';

/** How one delivery attempt ended, as the job sees it. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'permanent'; readonly reason: string }
  | { readonly kind: 'transient'; readonly reason: string };

/**
 * What a receiver's answer means. 2xx: delivered. 408 and 429: the receiver asks us to come back
 * later, so transient, like every 5xx. Any other 4xx: the request itself is refused (bad URL, auth,
 * validation) and sending it again cannot help, so permanent. 3xx: permanent too, since redirects are
 * not followed (a webhook URL that redirects could point the platform at an internal address).
 */
export function classifyResponse(status: number): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'transient', reason: `receiver answered ${status}` };
  }
  return { kind: 'permanent', reason: `receiver answered ${status}` };
}

/** A request that never got an answer: a timeout, a refused connection, a reset, a DNS failure. All transient. */
export function classifyRequestError(error: unknown, signal: AbortSignal): DeliveryOutcome {
  if (signal.aborted) return { kind: 'transient', reason: 'no answer before the attempt’s deadline' };
  // fetch rejects with a TypeError whose cause is the socket's error (ECONNREFUSED, ECONNRESET, ENOTFOUND…).
  const { cause } = (error ?? {}) as { cause?: { code?: unknown; message?: unknown } };
  if (typeof cause?.code === 'string') return { kind: 'transient', reason: `request failed: ${cause.code}` };
  const message = typeof cause?.message === 'string' ? cause.message : String(error);
  return { kind: 'transient', reason: `request failed: ${message}` };
}

export interface Delivery {
  readonly url: string;
  readonly body: unknown;
  readonly event: string;
  /** Sent as `X-Webhook-Id`: the same on every attempt of one run, so a receiver can drop a repeated delivery. */
  readonly deliveryId: string;
  readonly attempt: number;
  readonly secret: string;
  /** Ends the request: the job's signal, which fires shortly before the worker's own timeout. */
  readonly signal: AbortSignal;
  readonly fetch?: typeof fetch;
}

/** POSTs the JSON body, signed, once; never throws: the outcome says what happened. */
export async function deliver(delivery: Delivery): Promise<DeliveryOutcome> {
  const rawBody = JSON.stringify(delivery.body);
  try {
    const response = await (delivery.fetch ?? fetch)(delivery.url, {
      method: 'POST',
      redirect: 'manual',
      signal: delivery.signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'serverless-jobs-webhooks/1',
        'x-webhook-id': delivery.deliveryId,
        'x-webhook-event': delivery.event,
        'x-webhook-attempt': String(delivery.attempt),
        [SIGNATURE_HEADER.toLowerCase()]: signatureOf(rawBody, delivery.secret),
      },
      body: rawBody,
    });
    // The answer's body is not needed; reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    return classifyResponse(response.status);
  } catch (error) {
    return classifyRequestError(error, delivery.signal);
  }
}

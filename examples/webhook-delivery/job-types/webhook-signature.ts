import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a receiver reads the signature from. */
export const SIGNATURE_HEADER = 'X-Signature-256';

/**
 * `sha256=<hex>`: the HMAC-SHA256 of the exact bytes sent as the request body, keyed with the
 * shared secret (the scheme GitHub's webhooks use). A receiver recomputes it over the raw body it
 * read, before parsing it, and compares in constant time ({@link verifySignature}).
 */
export function signatureOf(rawBody: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** What a receiver runs: true only when `header` is the signature of `rawBody` under `secret`. */
export function verifySignature(rawBody: string | Uint8Array, secret: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signatureOf(rawBody, secret));
  const received = Buffer.from(header);
  return expected.length === received.length && timingSafeEqual(expected, received);
}

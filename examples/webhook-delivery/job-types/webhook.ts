import { z } from 'zod';
import { defineJobType } from 'serverless-jobs/job-types';
import { deliver } from './webhook-delivery.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https anywhere; plain http only to this machine (a receiver on the local stack). */
const webhookUrl = z.url('must be a URL').refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}, 'must be an https URL (http only to localhost)');

/** The secret every delivery is signed with, from the worker's environment (see bin/app.ts). */
export const SIGNING_SECRET_VARIABLE = 'WEBHOOK_SIGNING_SECRET';

/**
 * Webhook delivery: POSTs `body` as JSON to `url`, signed with `X-Signature-256: sha256=<hex>`
 * (HMAC-SHA256 of the raw body). A 4xx answer fails the job at once; a 5xx, a 408 or 429, a
 * network error or no answer before the deadline is retried with backoff.
 */
export const webhook = defineJobType({
  name: 'webhook',
  payload: z.strictObject({
    url: webhookUrl,
    event: z.string('must be a string').regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be a lower-case event name'),
    body: z.record(z.string(), z.json(), 'must be a JSON object'),
  }),
  // The body is the receiver's business: never shown in answers, listings or log lines.
  sensitiveFields: ['body'],
  config: { maxAttempts: 4, backoff: { baseMs: 500, capMs: 60_000 }, timeoutSeconds: 5, memorySize: 256 },
  providers: () => {
    const secret = process.env[SIGNING_SECRET_VARIABLE];
    if (!secret) throw new Error(`${SIGNING_SECRET_VARIABLE} is not set on the webhook worker`);
    return { secret };
  },
  process: async ({ url, event, body }, { attempt, idempotencyKey, signal, log, providers, PermanentJobError }) => {
    // One id per run of the job: its attempts share it; a failed job retried by hand is a new run, with a new id.
    const deliveryId = idempotencyKey;
    const outcome = await deliver({ url, event, body, deliveryId, attempt, secret: providers.secret, signal });
    if (outcome.kind === 'permanent') throw new PermanentJobError(outcome.reason);
    // Any other error is transient: the attempt is retried with backoff until maxAttempts.
    if (outcome.kind === 'transient') throw new Error(outcome.reason);
    log.info('Webhook delivered', { status: outcome.status, host: new URL(url).host });
    return { status: outcome.status, host: new URL(url).host };
  },
});

import { PermanentJobError } from '../errors/permanent-job-error';
import { TransientJobError } from '../errors/transient-job-error';
import type { EmailMessage, EmailSender } from './email-sender';
import type { ProviderCall } from './provider-call';
import { simulatedDeliveries, type SimulatedDeliveries } from './simulated-send-log';

/**
 * Stands in for SES. Its behaviour follows the recipient, so any HTTP client can exercise
 * the lifecycle (the addresses mirror SES's mailbox simulator):
 * - `bounce@simulator.amazonses.com` fails permanently;
 * - a local part `fail-N` (e.g. `fail-2@example.com`) fails transiently on the first N attempts;
 * - `fail-always@…` always fails transiently;
 * - anything else, `success@simulator.amazonses.com` included, is delivered, once per idempotency key.
 */
export class SimulatedEmailSender implements EmailSender {
  constructor(private readonly deliveries: SimulatedDeliveries = simulatedDeliveries({})) {}

  async send(message: EmailMessage, { attempt, idempotencyKey }: ProviderCall): Promise<{ messageId: string }> {
    const [localPart = '', domain = ''] = message.to.toLowerCase().split('@');
    if (localPart === 'bounce' && domain === 'simulator.amazonses.com') {
      // Like the real sender's errors, the message names no recipient: it is stored, shown and logged.
      throw new PermanentJobError('Simulated hard bounce: the mailbox does not exist');
    }
    if (localPart === 'fail-always') {
      throw new TransientJobError('Simulated mail server outage');
    }
    const failures = /^fail-(\d+)$/.exec(localPart);
    if (failures && attempt <= Number(failures[1])) {
      throw new TransientJobError(`Simulated transient failure ${attempt} of ${failures[1]}`);
    }
    return this.deliveries.deliver('email', message.to, { attempt, idempotencyKey });
  }
}

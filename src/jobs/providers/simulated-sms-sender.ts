import { PermanentJobError } from '../errors/permanent-job-error';
import { TransientJobError } from '../errors/transient-job-error';
import type { ProviderCall } from './provider-call';
import { simulatedDeliveries, type SimulatedDeliveries } from './simulated-send-log';
import type { SmsMessage, SmsSender } from './sms-sender';

/** Numbers with simulated behaviour, in the reserved +1 500 555 range used by SMS providers' test credentials. */
export const SIMULATED_SMS_NUMBERS = {
  /** Always fails permanently (unreachable handset). */
  unreachable: '+15005550009',
  /** Always fails transiently (carrier outage). */
  alwaysFailing: '+15005559999',
  /** `+1500555100N` fails transiently on the first N attempts (N = 1–9). */
  failFirstPrefix: '+1500555100',
} as const;

/** Stands in for SNS SMS; behaviour follows the number (see SIMULATED_SMS_NUMBERS). It delivers once per idempotency key. */
export class SimulatedSmsSender implements SmsSender {
  constructor(private readonly deliveries: SimulatedDeliveries = simulatedDeliveries({})) {}

  async send(message: SmsMessage, { attempt, idempotencyKey }: ProviderCall): Promise<{ messageId: string }> {
    const { phone } = message;
    if (phone === SIMULATED_SMS_NUMBERS.unreachable) {
      // Like the real sender's errors, the message names no recipient: it is stored, shown and logged.
      throw new PermanentJobError('Simulated unreachable handset');
    }
    if (phone === SIMULATED_SMS_NUMBERS.alwaysFailing) {
      throw new TransientJobError('Simulated carrier outage');
    }
    if (phone.startsWith(SIMULATED_SMS_NUMBERS.failFirstPrefix) && phone.length === 12) {
      const failures = Number(phone.slice(-1));
      if (attempt <= failures) throw new TransientJobError(`Simulated transient failure ${attempt} of ${failures}`);
    }
    return this.deliveries.deliver('sms', phone, { attempt, idempotencyKey });
  }
}

import type { MessageSenders } from '../define-job-type';
import { SimulatedEmailSender } from './simulated-email-sender';
import { simulatedDeliveries } from './simulated-send-log';
import { SimulatedSmsSender } from './simulated-sms-sender';

/** Both channels simulated, as a deployment with no SES or SNS configured has them (for tests and tools). */
export function simulatedMessageSenders(env: Readonly<Record<string, string | undefined>> = {}): MessageSenders {
  return {
    email: () => new SimulatedEmailSender(simulatedDeliveries(env)),
    sms: () => new SimulatedSmsSender(simulatedDeliveries(env)),
  };
}

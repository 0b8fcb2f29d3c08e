import * as z from 'zod';
import { defineJobType } from '../jobs/define-job-type';

const E164 = /^\+[1-9]\d{1,14}$/;

/** Sends one text message through the SmsSender (SNS when configured, the simulator by default). */
export const sms = defineJobType({
  name: 'sms',
  payload: z.strictObject({
    phone: z.string('must be a string').regex(E164, 'must be an E.164 number such as +14155550123'),
    message: z.string('must be a string').min(1, 'must not be empty').max(1600, 'must be ≤ 1600 characters'),
  }),
  sensitiveFields: ['message'],
  recipientFields: ['phone'],
  config: { maxAttempts: 5, backoff: { baseMs: 1_000, capMs: 15 * 60 * 1000 }, maxConcurrency: 5, timeoutSeconds: 30 },
  messageChannels: ['sms'],
  // SNS when the deployment configured it (SMS_PROVIDER=sns), else the simulator.
  providers: ({ sms }) => ({ sender: sms() }),
  process: async ({ phone, message }, { attempt, idempotencyKey, providers }) => {
    const { messageId } = await providers.sender.send({ phone, message }, { attempt, idempotencyKey });
    return { messageId, deliveredTo: phone };
  },
});

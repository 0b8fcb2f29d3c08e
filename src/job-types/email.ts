import * as z from 'zod';
import { defineJobType } from '../jobs/define-job-type';

/** Sends one email through the EmailSender (SES when configured, the simulator by default). */
export const email = defineJobType({
  name: 'email',
  payload: z.strictObject({
    to: z.email('must be an email address'),
    subject: z
      .string('must be a string')
      .trim()
      .min(1, 'must not be empty')
      .max(998, 'must be ≤ 998 characters')
      // A line break would start a new header: header injection.
      .regex(/^[^\r\n]*$/, 'must not contain line breaks'),
    body: z.string('must be a string').min(1, 'must not be empty'),
  }),
  sensitiveFields: ['body'],
  recipientFields: ['to'],
  config: { maxAttempts: 5, backoff: { baseMs: 1_000, capMs: 15 * 60 * 1000 }, maxConcurrency: 5, timeoutSeconds: 30 },
  messageChannels: ['email'],
  // SES when the deployment configured it (EMAIL_PROVIDER=ses), else the simulator.
  providers: ({ email }) => ({ sender: email() }),
  process: async ({ to, subject, body }, { attempt, idempotencyKey, providers }) => {
    const { messageId } = await providers.sender.send({ to, subject, body }, { attempt, idempotencyKey });
    return { messageId, deliveredTo: to };
  },
});

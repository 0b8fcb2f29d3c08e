import type { Cleaner, CleanupRequest } from '../providers/cleaner';
import type { EmailMessage, EmailSender } from '../providers/email-sender';
import type { SmsMessage, SmsSender } from '../providers/sms-sender';
import type { JobProcessors } from './job-processor';

export interface Providers {
  emailSender: EmailSender;
  smsSender: SmsSender;
  cleaner: Cleaner;
}

/** Payloads were validated on submission, so processors only pick the fields their provider needs. */
export function createProcessors(providers: Providers): JobProcessors {
  return {
    email: async (payload, attempt) => {
      const { to, subject, body } = payload as unknown as EmailMessage;
      const { messageId } = await providers.emailSender.send({ to, subject, body }, attempt);
      return { messageId, deliveredTo: to };
    },
    sms: async (payload, attempt) => {
      const { phone, message } = payload as unknown as SmsMessage;
      const { messageId } = await providers.smsSender.send({ phone, message }, attempt);
      return { messageId, deliveredTo: phone };
    },
    cleanup: async (payload, attempt) => {
      const request = payload as unknown as CleanupRequest;
      const { removed } = await providers.cleaner.run(request, attempt);
      return { task: request.task, removed };
    },
  };
}

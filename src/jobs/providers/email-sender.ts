import type { ProviderCall } from './provider-call';

export interface EmailMessage {
  to: string;
  subject: string;
  body: string;
}

/** Sends one email. SES (SendEmail) plugs in here; throw TransientJobError or PermanentJobError on failure. */
export interface EmailSender {
  send(message: EmailMessage, call: ProviderCall): Promise<{ messageId: string }>;
}

export interface EmailMessage {
  to: string;
  subject: string;
  body: string;
}

/** Sends one email. SES (SendEmail) plugs in here; throw TransientJobError or PermanentJobError on failure. */
export interface EmailSender {
  send(message: EmailMessage, attempt: number): Promise<{ messageId: string }>;
}

export interface SmsMessage {
  phone: string;
  message: string;
}

/** Sends one SMS. SNS (Publish with PhoneNumber) plugs in here; throw TransientJobError or PermanentJobError on failure. */
export interface SmsSender {
  send(message: SmsMessage, attempt: number): Promise<{ messageId: string }>;
}

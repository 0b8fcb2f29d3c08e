import type { ProviderCall } from './provider-call';

export interface SmsMessage {
  phone: string;
  message: string;
}

/** Sends one SMS. SNS (Publish with PhoneNumber) plugs in here; throw TransientJobError or PermanentJobError on failure. */
export interface SmsSender {
  send(message: SmsMessage, call: ProviderCall): Promise<{ messageId: string }>;
}

import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { EmailMessage, EmailSender } from '../jobs/providers/email-sender';
import { TransientJobError } from '../jobs/errors/transient-job-error';
import { classifyProviderError } from './provider-error-classification';

export interface SesEmailSenderOptions {
  /** The From address; SES sends only from a verified identity (the address or its domain). */
  fromAddress: string;
  /** Sending authorisation: the identity's ARN when it belongs to another account. */
  fromIdentityArn?: string;
  /** Configuration set for event publishing (deliveries, bounces, complaints). */
  configurationSetName?: string;
}

/**
 * SendEmail errors (SES API v2) that no retry fixes: the recipient or content was refused
 * (MessageRejected, also an unverified recipient in the sandbox), the sending domain is not
 * verified, the account is suspended, the input or the configuration set is wrong.
 * TooManyRequestsException and LimitExceededException (sending rate or daily quota) are throttles,
 * SendingPausedException lasts until someone resumes sending: those are retried.
 */
const PERMANENT_SES_ERRORS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'BadRequestException',
  'NotFoundException',
]);
const TRANSIENT_SES_ERRORS = new Set(['SendingPausedException']);

/** Sends one plain-text email with SES v2 SendEmail and returns the SES message id. */
export class SesEmailSender implements EmailSender {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesEmailSenderOptions,
  ) {}

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    const command = new SendEmailCommand({
      FromEmailAddress: this.options.fromAddress,
      FromEmailAddressIdentityArn: this.options.fromIdentityArn,
      ConfigurationSetName: this.options.configurationSetName,
      Destination: { ToAddresses: [message.to] },
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: message.body, Charset: 'UTF-8' } },
        },
      },
    });
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(command));
    } catch (error) {
      throw classifyProviderError('SES', error, { permanent: PERMANENT_SES_ERRORS, transient: TRANSIENT_SES_ERRORS });
    }
    // SES names every message it accepts; an answer without an id is a broken response, not a delivery.
    if (!messageId) throw new TransientJobError('SES answered SendEmail without a MessageId');
    return { messageId };
  }
}

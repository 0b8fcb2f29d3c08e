import {
  CheckIfPhoneNumberIsOptedOutCommand,
  PublishCommand,
  type MessageAttributeValue,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { PermanentJobError } from '../jobs/errors/permanent-job-error';
import { TransientJobError } from '../jobs/errors/transient-job-error';
import type { SmsMessage, SmsSender } from '../jobs/providers/sms-sender';
import type { SmsType } from './message-provider-variables';
import { classifyProviderError } from './provider-error-classification';

export interface SnsSmsSenderOptions {
  /** Transactional (optimised for reliability, e.g. one-time codes) or Promotional (for cost). */
  smsType: SmsType;
  /** A phone number of the account, in E.164, to send from (toll-free, 10DLC, short code). */
  originationNumber?: string;
  /** An alphanumeric sender id, where the destination country supports them. */
  senderId?: string;
  /**
   * Ask SNS whether the number opted out (replied STOP) before publishing. Publish itself accepts a
   * message to an opted-out number and silently drops it, so without the check the job would
   * "complete" without a delivery. Default true.
   */
  checkOptOut?: boolean;
}

/**
 * Publish errors that no retry fixes: a malformed number or attribute, a disabled endpoint, an
 * opted-out number (when SNS reports it), a KMS key that is gone or disabled. Throttled /
 * Throttling, KMSThrottlingException and InternalError are retried.
 */
const PERMANENT_SNS_ERRORS = new Set([
  'InvalidParameterException',
  'InvalidParameterValueException',
  'ValidationException',
  'OptedOutException',
  'EndpointDisabledException',
  'NotFoundException',
  'KMSDisabledException',
  'KMSNotFoundException',
  'KMSInvalidStateException',
  'KMSOptInRequired',
  'KMSAccessDeniedException',
]);

const stringAttribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** Sends one SMS with SNS Publish to a phone number and returns the SNS message id. */
export class SnsSmsSender implements SmsSender {
  private readonly attributes: Record<string, MessageAttributeValue>;

  constructor(
    private readonly client: SNSClient,
    private readonly options: SnsSmsSenderOptions,
  ) {
    this.attributes = {
      'AWS.SNS.SMS.SMSType': stringAttribute(options.smsType),
      ...(options.originationNumber
        ? { 'AWS.MM.SMS.OriginationNumber': stringAttribute(options.originationNumber) }
        : {}),
      ...(options.senderId ? { 'AWS.SNS.SMS.SenderID': stringAttribute(options.senderId) } : {}),
    };
  }

  async send(message: SmsMessage): Promise<{ messageId: string }> {
    let messageId: string | undefined;
    try {
      if (this.options.checkOptOut !== false) {
        const { isOptedOut } = await this.client.send(
          new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: message.phone }),
        );
        if (isOptedOut) throw new PermanentJobError('SNS: the number opted out of SMS from this account');
      }
      ({ MessageId: messageId } = await this.client.send(
        new PublishCommand({
          PhoneNumber: message.phone,
          Message: message.message,
          MessageAttributes: this.attributes,
        }),
      ));
    } catch (error) {
      throw classifyProviderError('SNS', error, { permanent: PERMANENT_SNS_ERRORS });
    }
    if (!messageId) throw new TransientJobError('SNS answered Publish without a MessageId');
    return { messageId };
  }
}

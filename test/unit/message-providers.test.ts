import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { createEmailSender, createSmsSender } from '../../src/aws/message-providers';
import { SesEmailSender } from '../../src/aws/ses-email-sender';
import { SnsSmsSender } from '../../src/aws/sns-sms-sender';
import { SimulatedEmailSender } from '../../src/jobs/providers/simulated-email-sender';
import { SimulatedSmsSender } from '../../src/jobs/providers/simulated-sms-sender';

describe('createEmailSender', () => {
  it('simulates when EMAIL_PROVIDER is unset or simulated', () => {
    expect(createEmailSender({})).toBeInstanceOf(SimulatedEmailSender);
    expect(createEmailSender({ EMAIL_PROVIDER: 'simulated', SES_FROM_ADDRESS: 'a@example.com' })).toBeInstanceOf(
      SimulatedEmailSender,
    );
  });

  it('sends with SES when EMAIL_PROVIDER=ses, wrapping its one client', () => {
    const wrapped: unknown[] = [];
    const sender = createEmailSender({ EMAIL_PROVIDER: 'ses', SES_FROM_ADDRESS: 'no-reply@example.com' }, (client) => {
      wrapped.push(client);
      return client;
    });
    expect(sender).toBeInstanceOf(SesEmailSender);
    expect(wrapped).toHaveLength(1);
    expect(wrapped[0]).toBeInstanceOf(SESv2Client);
  });

  it('refuses SES without a From address, and an unknown provider', () => {
    expect(() => createEmailSender({ EMAIL_PROVIDER: 'ses' })).toThrow(
      'SES_FROM_ADDRESS must be set when EMAIL_PROVIDER=ses',
    );
    expect(() => createEmailSender({ EMAIL_PROVIDER: 'smtp' })).toThrow(
      'EMAIL_PROVIDER must be one of simulated, ses, not "smtp"',
    );
  });
});

describe('createSmsSender', () => {
  it('simulates when SMS_PROVIDER is unset or simulated', () => {
    expect(createSmsSender({})).toBeInstanceOf(SimulatedSmsSender);
    expect(createSmsSender({ SMS_PROVIDER: 'simulated' })).toBeInstanceOf(SimulatedSmsSender);
  });

  it('sends with SNS when SMS_PROVIDER=sns, wrapping its one client', () => {
    const wrapped: unknown[] = [];
    const sender = createSmsSender({ SMS_PROVIDER: 'sns', SNS_SMS_TYPE: 'Promotional' }, (client) => {
      wrapped.push(client);
      return client;
    });
    expect(sender).toBeInstanceOf(SnsSmsSender);
    expect(wrapped).toHaveLength(1);
    expect(wrapped[0]).toBeInstanceOf(SNSClient);
  });

  it('refuses an SMS type or opt-out setting SNS does not know', () => {
    expect(() => createSmsSender({ SMS_PROVIDER: 'sns', SNS_SMS_TYPE: 'Urgent' })).toThrow(
      'SNS_SMS_TYPE must be one of Transactional, Promotional, not "Urgent"',
    );
    expect(() => createSmsSender({ SMS_PROVIDER: 'sns', SNS_CHECK_OPT_OUT: 'yes' })).toThrow(
      'SNS_CHECK_OPT_OUT must be one of true, false, not "yes"',
    );
  });
});

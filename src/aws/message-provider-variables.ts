/**
 * The variables the CDK construct MessageProviders sets on the functions that send messages and
 * createEmailSender / createSmsSender read. Unset means the simulated provider.
 */
export const MESSAGE_PROVIDER_VARIABLES = {
  emailProvider: 'EMAIL_PROVIDER',
  sesFromAddress: 'SES_FROM_ADDRESS',
  sesFromIdentityArn: 'SES_FROM_IDENTITY_ARN',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  smsProvider: 'SMS_PROVIDER',
  snsSmsType: 'SNS_SMS_TYPE',
  snsOriginationNumber: 'SNS_ORIGINATION_NUMBER',
  snsSenderId: 'SNS_SENDER_ID',
  snsCheckOptOut: 'SNS_CHECK_OPT_OUT',
} as const;

export const SMS_TYPES = ['Transactional', 'Promotional'] as const;
export type SmsType = (typeof SMS_TYPES)[number];

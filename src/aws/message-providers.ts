import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import type { MessageSenders } from '../jobs/define-job-type';
import type { EmailSender } from '../jobs/providers/email-sender';
import { simulatedMessageSenders } from '../jobs/providers/simulated-message-senders';
import type { SmsSender } from '../jobs/providers/sms-sender';
import { SesEmailSender } from './ses-email-sender';
import { MESSAGE_PROVIDER_VARIABLES, SMS_TYPES, type SmsType } from './message-provider-variables';
import { SnsSmsSender } from './sns-sms-sender';

type Environment = Readonly<Record<string, string | undefined>>;

/** Lets the caller wrap each SDK client once, e.g. with the X-Ray tracer. */
export type InstrumentClient = <Client extends object>(client: Client) => Client;

/**
 * One SDK retry only (the job's own backoff handles longer outages), and a hung request is cut off
 * well before the consumer's timeout, so a slow provider shows up as a transient failure.
 */
const clientConfig = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
};

function oneOf<const Values extends readonly string[]>(
  env: Environment,
  name: string,
  values: Values,
  fallback: Values[number],
): Values[number] {
  const value = env[name] || fallback;
  if (!values.includes(value)) throw new Error(`${name} must be one of ${values.join(', ')}, not "${value}"`);
  return value;
}

function required(env: Environment, name: string, because: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set when ${because}`);
  return value;
}

/** The email sender the environment asks for (EMAIL_PROVIDER=ses|simulated, default simulated). Call once per cold start. */
export function createEmailSender(
  env: Environment = process.env,
  instrument: InstrumentClient = (c) => c,
): EmailSender {
  const v = MESSAGE_PROVIDER_VARIABLES;
  if (oneOf(env, v.emailProvider, ['simulated', 'ses'], 'simulated') === 'simulated')
    return simulatedMessageSenders(env).email();
  return new SesEmailSender(instrument(new SESv2Client(clientConfig)), {
    fromAddress: required(env, v.sesFromAddress, `${v.emailProvider}=ses`),
    fromIdentityArn: env[v.sesFromIdentityArn] || undefined,
    configurationSetName: env[v.sesConfigurationSet] || undefined,
  });
}

/** The SMS sender the environment asks for (SMS_PROVIDER=sns|simulated, default simulated). Call once per cold start. */
export function createSmsSender(env: Environment = process.env, instrument: InstrumentClient = (c) => c): SmsSender {
  const v = MESSAGE_PROVIDER_VARIABLES;
  if (oneOf(env, v.smsProvider, ['simulated', 'sns'], 'simulated') === 'simulated')
    return simulatedMessageSenders(env).sms();
  const smsType: SmsType = oneOf(env, v.snsSmsType, SMS_TYPES, 'Transactional');
  return new SnsSmsSender(instrument(new SNSClient(clientConfig)), {
    smsType,
    originationNumber: env[v.snsOriginationNumber] || undefined,
    senderId: env[v.snsSenderId] || undefined,
    checkOptOut: oneOf(env, v.snsCheckOptOut, ['true', 'false'], 'true') === 'true',
  });
}

/** The deployment's message channels as the environment configures them, for the job types' providers. */
export function messageSenders(
  env: Environment = process.env,
  instrument: InstrumentClient = (c) => c,
): MessageSenders {
  return { email: () => createEmailSender(env, instrument), sms: () => createSmsSender(env, instrument) };
}

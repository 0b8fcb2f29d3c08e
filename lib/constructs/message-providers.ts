import { Annotations, Arn, ArnFormat, type CfnResource, Stack, Token, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  MESSAGE_PROVIDER_VARIABLES as VARIABLES,
  SMS_TYPES,
  type SmsType,
} from '../../src/aws/message-provider-variables';

export interface EmailProviderProps {
  /** The From address of every email, e.g. `no-reply@example.com`. */
  readonly fromAddress: string;
  /**
   * The verified SES identity that sends: its name (the domain `example.com` or the address itself)
   * in this stack's account and region, or its ARN (an identity of another account that authorised
   * this one). Functions may send from this identity only.
   */
  readonly identity: string;
  /** An SES configuration set for delivery, bounce and complaint events. Default none. */
  readonly configurationSetName?: string;
}

export interface SmsProviderProps {
  /** `Transactional` (reliability first, e.g. one-time codes) or `Promotional` (cost first). Default `Transactional`. */
  readonly smsType?: SmsType;
  /** A number of the account to send from, in E.164 (toll-free, 10DLC, short code). Default: SNS picks one. */
  readonly originationNumber?: string;
  /** An alphanumeric sender id, for countries that support them. Default none. */
  readonly senderId?: string;
  /**
   * Check the account's opt-out list before each publish, so an SMS to a number that replied STOP
   * fails permanently instead of "completing" (SNS accepts and drops it). Default true.
   */
  readonly checkOptOut?: boolean;
}

export interface MessageProvidersProps {
  /** Send email with SES v2. Default: simulated (nothing is sent), with a warning at synth time. */
  readonly email?: EmailProviderProps;
  /** Send SMS with SNS. Default: simulated (nothing is sent), with a warning at synth time. */
  readonly sms?: SmsProviderProps;
}

/**
 * Which email and SMS providers the job workers use, and the permissions for exactly those: SES
 * SendEmail on one identity (and its configuration set) from one From address, SNS Publish to
 * phone numbers. A provider left out is simulated, and synthesis says so.
 */
export class MessageProviders extends Construct {
  readonly email?: EmailProviderProps;
  readonly sms?: SmsProviderProps;
  private emailPolicy?: Policy;
  private smsPolicy?: Policy;

  constructor(scope: Construct, id: string, props: MessageProvidersProps = {}) {
    super(scope, id);
    this.email = props.email;
    this.sms = props.sms;
    if (props.email) validateEmail(props.email);
    else {
      Annotations.of(this).addWarningV2(
        'serverless-jobs:email-simulated',
        'No email provider is configured: this deployment simulates email jobs and sends nothing. Set the emailProvider prop or context ({"fromAddress", "identity"}) to send with SES.',
      );
    }
    if (props.sms) validateSms(props.sms);
    else {
      Annotations.of(this).addWarningV2(
        'serverless-jobs:sms-simulated',
        'No SMS provider is configured: this deployment simulates SMS jobs and sends nothing. Set the smsProvider prop or context (e.g. {"smsType": "Transactional"}) to send with SNS.',
      );
    }
  }

  /** Points the function's email sender at SES (or the simulator) and grants what that needs. */
  configureEmailSender(fn: LambdaFunction): void {
    if (!this.email) {
      fn.addEnvironment(VARIABLES.emailProvider, 'simulated');
      return;
    }
    const { fromAddress, identity, configurationSetName } = this.email;
    fn.addEnvironment(VARIABLES.emailProvider, 'ses');
    fn.addEnvironment(VARIABLES.sesFromAddress, fromAddress);
    if (isArn(identity)) fn.addEnvironment(VARIABLES.sesFromIdentityArn, identity);
    if (configurationSetName) fn.addEnvironment(VARIABLES.sesConfigurationSet, configurationSetName);
    this.emailPolicy ??= this.sendEmailPolicy(this.email);
    this.attach(this.emailPolicy, fn);
  }

  /** Points the function's SMS sender at SNS (or the simulator) and grants what that needs. */
  configureSmsSender(fn: LambdaFunction): void {
    if (!this.sms) {
      fn.addEnvironment(VARIABLES.smsProvider, 'simulated');
      return;
    }
    const { smsType = 'Transactional', originationNumber, senderId, checkOptOut = true } = this.sms;
    fn.addEnvironment(VARIABLES.smsProvider, 'sns');
    fn.addEnvironment(VARIABLES.snsSmsType, smsType);
    if (originationNumber) fn.addEnvironment(VARIABLES.snsOriginationNumber, originationNumber);
    if (senderId) fn.addEnvironment(VARIABLES.snsSenderId, senderId);
    fn.addEnvironment(VARIABLES.snsCheckOptOut, String(checkOptOut));
    this.smsPolicy ??= this.sendSmsPolicy(checkOptOut);
    this.attach(this.smsPolicy, fn);
  }

  private attach(policy: Policy, fn: LambdaFunction): void {
    if (!fn.role) throw new Error(`${fn.node.path} has no execution role to grant sending to`);
    policy.attachToRole(fn.role);
    // Not invoked (by its event source) before it may send. On the function resource alone: its role
    // is a child construct, and the policy refers to the role.
    (fn.node.defaultChild as CfnResource).addResourceDependency(policy.node.defaultChild as CfnResource);
  }

  private sendEmailPolicy(email: EmailProviderProps): Policy {
    const stack = Stack.of(this);
    const identityArn = isArn(email.identity)
      ? email.identity
      : stack.formatArn({ service: 'ses', resource: 'identity', resourceName: email.identity });
    const resources = [identityArn];
    if (email.configurationSetName) {
      resources.push(
        stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: email.configurationSetName }),
      );
    }
    return new Policy(this, 'SendEmail', {
      statements: [
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources,
          conditions: { StringEquals: { 'ses:FromAddress': email.fromAddress } },
        }),
      ],
    });
  }

  private sendSmsPolicy(checkOptOut: boolean): Policy {
    const policy = new Policy(this, 'SendSms', {
      statements: [
        new PolicyStatement({
          actions: checkOptOut ? ['sns:Publish', 'sns:CheckIfPhoneNumberIsOptedOut'] : ['sns:Publish'],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Publishing an SMS straight to a phone number, and checking its opt-out status, have no resource ARN: IAM accepts only "*" for them.',
    });
    return policy;
  }
}

const isArn = (value: string) => value.startsWith('arn:');

function validateEmail(email: EmailProviderProps): void {
  const { fromAddress, identity } = email;
  if (Token.isUnresolved(fromAddress) || Token.isUnresolved(identity)) return;
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(fromAddress)) {
    throw new Error(`emailProvider.fromAddress must be an email address, not "${fromAddress}"`);
  }
  if (isArn(identity)) {
    const { service, resource } = Arn.split(identity, ArnFormat.SLASH_RESOURCE_NAME);
    if (service !== 'ses' || resource !== 'identity') {
      throw new Error(`emailProvider.identity must be an SES identity ARN (arn:…:ses:…:identity/…), not "${identity}"`);
    }
    return;
  }
  const name = identity.toLowerCase();
  const covered = name.includes('@')
    ? name === fromAddress.toLowerCase()
    : domain === name || domain.endsWith(`.${name}`);
  if (!covered) {
    throw new Error(
      `emailProvider.fromAddress ${fromAddress} is not covered by the identity ${identity}: SES sends only from a verified address or domain`,
    );
  }
}

function validateSms(sms: SmsProviderProps): void {
  if (sms.smsType !== undefined && !SMS_TYPES.includes(sms.smsType)) {
    throw new Error(`smsProvider.smsType must be one of ${SMS_TYPES.join(', ')}, not "${String(sms.smsType)}"`);
  }
  if (sms.originationNumber !== undefined && !/^\+[1-9]\d{1,14}$/.test(sms.originationNumber)) {
    throw new Error(
      `smsProvider.originationNumber must be an E.164 number like +18005550100, not "${sms.originationNumber}"`,
    );
  }
  if (sms.senderId !== undefined && !/^(?=.*[A-Za-z])[A-Za-z0-9-]{1,11}$/.test(sms.senderId)) {
    throw new Error(
      `smsProvider.senderId must be 1–11 letters, digits or hyphens with at least one letter, not "${sms.senderId}"`,
    );
  }
}

/**
 * The providers a deployment chose through context, as `cdk deploy -c emailProvider='{"fromAddress":
 * "no-reply@example.com","identity":"example.com"}' -c smsProvider='{}'` or objects in cdk.json.
 */
export function messageProvidersFromContext(scope: Construct): MessageProvidersProps {
  const read = (key: string): Record<string, unknown> | undefined => {
    const value: unknown = scope.node.tryGetContext(key);
    if (value === undefined || value === '') return undefined;
    let parsed: unknown = value;
    if (typeof value === 'string') {
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new Error(`Context ${key} must be a JSON object, not ${value}`);
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`Context ${key} must be a JSON object`);
    }
    return parsed as Record<string, unknown>;
  };
  const email = read('emailProvider');
  const sms = read('smsProvider');
  if (email && (typeof email.fromAddress !== 'string' || typeof email.identity !== 'string')) {
    throw new Error('Context emailProvider needs "fromAddress" and "identity" strings');
  }
  return {
    ...(email ? { email: email as unknown as EmailProviderProps } : {}),
    ...(sms ? { sms: sms as SmsProviderProps } : {}),
  };
}

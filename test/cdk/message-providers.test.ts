import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { JobsStack, type JobsStackProps } from '../../lib/jobs-stack';
import { MessageProviders } from '../../lib/constructs/message-providers';
import { nagViolations } from '../support/nag-violations';

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

const email = { fromAddress: 'no-reply@example.com', identity: 'example.com', configurationSetName: 'transactional' };
const sms = { smsType: 'Promotional' as const, originationNumber: '+18005550100', senderId: 'ACME' };

/** Synthesises without esbuild bundling: these tests read the template, not the code. */
function synth(props: JobsStackProps = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new JobsStack(app, 'Test', { env: { account: '111122223333', region: 'eu-west-1' }, ...props });
  return { template: Template.fromStack(stack), annotations: Annotations.fromStack(stack) };
}

function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

function workerOf(template: Template, jobType: string): { variables: Record<string, string>; roleId: string } {
  const [, fn] = resources(template, 'AWS::Lambda::Function').find(
    ([, f]) => (f.Properties.Environment as { Variables: Record<string, string> }).Variables.JOB_TYPE === jobType,
  ) ?? ['', undefined];
  if (!fn) throw new Error(`no ${jobType} worker`);
  return {
    variables: (fn.Properties.Environment as { Variables: Record<string, string> }).Variables,
    roleId: (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
  };
}

/** Every statement of every policy attached to the role, with the policy's logical id. */
function statementsOf(template: Template, roleId: string): Statement[] {
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());
const allRoleIds = (template: Template) => resources(template, 'AWS::IAM::Role').map(([id]) => id);

describe('MessageProviders in JobsStack', () => {
  describe('with no provider configured', () => {
    const { template, annotations } = synth();

    test('the email and sms workers are told to simulate', () => {
      expect(workerOf(template, 'email').variables).toMatchObject({ EMAIL_PROVIDER: 'simulated' });
      expect(workerOf(template, 'sms').variables).toMatchObject({ SMS_PROVIDER: 'simulated' });
      expect(workerOf(template, 'email').variables).not.toHaveProperty('SES_FROM_ADDRESS');
    });

    test('no role may send email or SMS', () => {
      for (const roleId of allRoleIds(template)) {
        const actions = actionsOf(statementsOf(template, roleId));
        expect(actions.filter((a) => a.startsWith('ses:') || a.startsWith('sns:'))).toEqual([]);
      }
    });

    test('synthesis warns that email and SMS are simulated', () => {
      annotations.hasWarning(
        '/Test/Default/MessageProviders',
        Match.stringLikeRegexp('No email provider is configured: this deployment simulates email jobs'),
      );
      annotations.hasWarning(
        '/Test/Default/MessageProviders',
        Match.stringLikeRegexp('No SMS provider is configured: this deployment simulates SMS jobs'),
      );
    });
  });

  describe('with SES and SNS configured by props', () => {
    const { template, annotations } = synth({ emailProvider: email, smsProvider: sms });

    test('the email worker sends with SES from the configured address and configuration set', () => {
      expect(workerOf(template, 'email').variables).toMatchObject({
        EMAIL_PROVIDER: 'ses',
        SES_FROM_ADDRESS: 'no-reply@example.com',
        SES_CONFIGURATION_SET: 'transactional',
      });
      expect(workerOf(template, 'email').variables).not.toHaveProperty('SES_FROM_IDENTITY_ARN');
    });

    test('the email worker may SendEmail only on that identity and set, only from that address', () => {
      const sending = statementsOf(template, workerOf(template, 'email').roleId).filter((s) =>
        actionsOf([s]).some((a) => a.startsWith('ses:')),
      );
      expect(sending).toEqual([
        {
          Effect: 'Allow',
          Action: 'ses:SendEmail',
          Resource: [
            {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:111122223333:identity/example.com']],
            },
            {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:111122223333:configuration-set/transactional'],
              ],
            },
          ],
          Condition: { StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } },
        },
      ]);
    });

    test('the SMS worker publishes with the SMS type, origination number and sender id', () => {
      expect(workerOf(template, 'sms').variables).toMatchObject({
        SMS_PROVIDER: 'sns',
        SNS_SMS_TYPE: 'Promotional',
        SNS_ORIGINATION_NUMBER: '+18005550100',
        SNS_SENDER_ID: 'ACME',
        SNS_CHECK_OPT_OUT: 'true',
      });
    });

    test('the SMS worker may publish and check opt-outs, which take no resource ARN', () => {
      const sending = statementsOf(template, workerOf(template, 'sms').roleId).filter((s) =>
        actionsOf([s]).some((a) => a.startsWith('sns:')),
      );
      expect(sending).toEqual([
        { Effect: 'Allow', Action: ['sns:Publish', 'sns:CheckIfPhoneNumberIsOptedOut'], Resource: '*' },
      ]);
    });

    test('no other role may send: SES only for the email worker, SNS only for the SMS worker', () => {
      const emailRole = workerOf(template, 'email').roleId;
      const smsRole = workerOf(template, 'sms').roleId;
      for (const roleId of allRoleIds(template)) {
        const actions = actionsOf(statementsOf(template, roleId));
        expect(actions.some((a) => a.startsWith('ses:'))).toBe(roleId === emailRole);
        expect(actions.some((a) => a.startsWith('sns:'))).toBe(roleId === smsRole);
      }
    });

    test('each worker waits for its sending policy before it is created', () => {
      const policyId = (name: string) =>
        resources(template, 'AWS::IAM::Policy').find(([id]) => id.startsWith(`MessageProviders${name}`))?.[0];
      const dependsOn = (jobType: string) =>
        Object.values(template.findResources('AWS::Lambda::Function')).find(
          (f) =>
            (f as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties.Environment
              .Variables.JOB_TYPE === jobType,
        )?.DependsOn as string[];
      expect(dependsOn('email')).toContain(policyId('SendEmail'));
      expect(dependsOn('sms')).toContain(policyId('SendSms'));
    });

    test('synthesis does not warn about simulated providers', () => {
      annotations.hasNoWarning('*', Match.stringLikeRegexp('simulates'));
    });
  });

  test('context chooses the providers when props do not (JSON strings, as `cdk -c` passes them)', () => {
    const { template, annotations } = synth(
      {},
      {
        emailProvider: JSON.stringify({ fromAddress: 'jobs@mail.example.com', identity: 'example.com' }),
        smsProvider: '{}',
      },
    );
    expect(workerOf(template, 'email').variables).toMatchObject({
      EMAIL_PROVIDER: 'ses',
      SES_FROM_ADDRESS: 'jobs@mail.example.com',
    });
    expect(workerOf(template, 'email').variables).not.toHaveProperty('SES_CONFIGURATION_SET');
    expect(workerOf(template, 'sms').variables).toMatchObject({ SMS_PROVIDER: 'sns', SNS_SMS_TYPE: 'Transactional' });
    annotations.hasNoWarning('*', Match.stringLikeRegexp('simulates'));
  });

  test('props win over context', () => {
    const { template } = synth(
      { emailProvider: email },
      { emailProvider: { fromAddress: 'other@example.org', identity: 'example.org' } },
    );
    expect(workerOf(template, 'email').variables.SES_FROM_ADDRESS).toBe('no-reply@example.com');
  });

  test('an identity given as an ARN is granted as such and named in SendEmail', () => {
    const arn = 'arn:aws:ses:eu-west-1:444455556666:identity/example.com';
    const { template } = synth({ emailProvider: { fromAddress: 'no-reply@example.com', identity: arn } });
    expect(workerOf(template, 'email').variables.SES_FROM_IDENTITY_ARN).toBe(arn);
    const statements = statementsOf(template, workerOf(template, 'email').roleId);
    expect(statements.find((s) => s.Action === 'ses:SendEmail')?.Resource).toBe(arn);
  });

  test('turning the opt-out check off drops its permission', () => {
    const { template } = synth({ smsProvider: { checkOptOut: false } });
    expect(workerOf(template, 'sms').variables.SNS_CHECK_OPT_OUT).toBe('false');
    const actions = actionsOf(statementsOf(template, workerOf(template, 'sms').roleId));
    expect(actions).toContain('sns:Publish');
    expect(actions).not.toContain('sns:CheckIfPhoneNumberIsOptedOut');
  });

  test.each([
    [{ emailProvider: { fromAddress: 'no-reply@other.com', identity: 'example.com' } }, /not covered by the identity/],
    [{ emailProvider: { fromAddress: 'not-an-address', identity: 'example.com' } }, /must be an email address/],
    [
      { emailProvider: { fromAddress: 'a@example.com', identity: 'arn:aws:sns:eu-west-1:1:topic' } },
      /SES identity ARN/,
    ],
    [{ smsProvider: { originationNumber: '18005550100' } }, /E\.164/],
    [{ smsProvider: { senderId: 'A-VERY-LONG-SENDER' } }, /senderId/],
  ])('a provider SES or SNS would refuse is refused at synth time (%p)', (props, message) => {
    expect(() => synth(props as JobsStackProps)).toThrow(message);
  });

  test('context that is not a JSON object is refused with the key named', () => {
    expect(() => synth({}, { emailProvider: 'ses' })).toThrow('Context emailProvider must be a JSON object');
    expect(() => synth({}, { emailProvider: '{"fromAddress":"a@example.com"}' })).toThrow(
      'Context emailProvider needs "fromAddress" and "identity" strings',
    );
  });
});

describe('MessageProviders and cdk-nag', () => {
  test('the stack with both providers has no unacknowledged finding', () => {
    expect(
      nagViolations(
        (app) =>
          new JobsStack(app, 'Sending', { alarmEmail: 'ops@example.com', emailProvider: email, smsProvider: sms }),
      ),
    ).toEqual([]);
  });

  test("the SMS policy's wildcard resource is acknowledged on that policy alone", () => {
    const violations = nagViolations((app) => {
      const stack = new Stack(app, 'Alone');
      const fn = new LambdaFunction(stack, 'Sender', {
        runtime: Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: Code.fromInline('export const handler = async () => {};'),
      });
      const providers = new MessageProviders(stack, 'Providers', { email, sms });
      providers.configureEmailSender(fn);
      providers.configureSmsSender(fn);
    });
    expect(violations.filter((v) => v.includes('/Providers/'))).toEqual([]);
    // The same wildcard on the function's own policy is still reported: the acknowledgement is not stack-wide.
    const unrelated = nagViolations((app) => {
      const stack = new Stack(app, 'Other');
      const fn = new LambdaFunction(stack, 'Sender', {
        runtime: Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: Code.fromInline('export const handler = async () => {};'),
      });
      new MessageProviders(stack, 'Providers', { sms }).configureSmsSender(fn);
      fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
    });
    expect(unrelated.some((v) => v.startsWith('AwsSolutions-IAM5[Resource::*] at Other/Sender/ServiceRole'))).toBe(
      true,
    );
  });
});

import { messageFor } from '../../src/jobs/job-rounds';
import { MessageRejected, SendEmailCommand, SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { CheckIfPhoneNumberIsOptedOutCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SesEmailSender } from '../../src/aws/ses-email-sender';
import { SnsSmsSender } from '../../src/aws/sns-sms-sender';
import { email } from '../../src/job-types/email';
import { sms } from '../../src/job-types/sms';
import type { Job, JobType } from '../../src/jobs/job';
import { JobTypeRegistry } from '../../src/jobs/job-type-registry';
import { handleJobMessage } from '../../src/jobs/use-cases/handle-job-message';
import { offlineClientConfig } from '../support/sdk-wire';
import { aJob } from '../support/jobs';
import { lifecycleHarness } from '../support/lifecycle';

/**
 * The real SES and SNS adapters inside the real consumer use case, against DynamoDB Local: the
 * providers' answers are injected at the SDK, everything from there to the stored job is real.
 */
const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);
let h: Awaited<ReturnType<typeof lifecycleHarness>>;

beforeAll(async () => {
  h = await lifecycleHarness();
  // The built-in declarations, with the providers a deployment configured for SES and SNS.
  const sesEmail: typeof email = {
    ...email,
    providers: () => ({
      sender: new SesEmailSender(new SESv2Client(offlineClientConfig), { fromAddress: 'no-reply@example.com' }),
    }),
  };
  const snsSms: typeof sms = {
    ...sms,
    providers: () => ({ sender: new SnsSmsSender(new SNSClient(offlineClientConfig), { smsType: 'Transactional' }) }),
  };
  h.deps.jobTypes = new JobTypeRegistry([sesEmail, snsSms]);
});
beforeEach(() => {
  ses.reset();
  sns.reset();
  sns.on(CheckIfPhoneNumberIsOptedOutCommand).resolves({ isOptedOut: false });
});
afterAll(() => {
  ses.restore();
  sns.restore();
});

async function run(type: JobType, payload: Record<string, unknown>): Promise<Job | undefined> {
  const job = aJob(type, { payload });
  await h.repository.create(job);
  await handleJobMessage(h.deps, messageFor(job));
  return h.repository.get(job.id);
}

const anEmail = { to: 'ada@example.com', subject: 'Receipt', body: 'Thanks' };
const anSms = { phone: '+14155550123', message: 'Your code is 123456' };

test("an email SES accepts completes with SES's message id in its result", async () => {
  ses.on(SendEmailCommand).resolves({ MessageId: '0100018c-accepted' });
  expect(await run('email', anEmail)).toMatchObject({
    status: 'completed',
    result: { messageId: '0100018c-accepted' },
  });
});

test('an email SES rejects fails permanently on its first attempt, without the address in the error', async () => {
  ses.on(SendEmailCommand).rejects(
    new MessageRejected({
      message:
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: ada@example.com',
      $metadata: { httpStatusCode: 400 },
    }),
  );
  const job = await run('email', anEmail);
  expect(job).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'permanent' } });
  expect(job?.error?.message).toContain('MessageRejected');
  expect(job?.error?.message).not.toContain('ada@example.com');
});

test('an email SES throttles is scheduled for a retry', async () => {
  ses
    .on(SendEmailCommand)
    .rejects(
      new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: { httpStatusCode: 429 } }),
    );
  const job = await run('email', anEmail);
  expect(job).toMatchObject({ status: 'retrying', attempts: 1, error: { kind: 'transient' } });
  expect(job?.nextAttemptAt).toBeDefined();
});

test("an SMS SNS accepts completes with SNS's message id in its result", async () => {
  sns.on(PublishCommand).resolves({ MessageId: '94f20ce6-published' });
  expect(await run('sms', anSms)).toMatchObject({ status: 'completed', result: { messageId: '94f20ce6-published' } });
});

test('an SMS to an opted-out number fails permanently and is never published', async () => {
  sns.on(CheckIfPhoneNumberIsOptedOutCommand).resolves({ isOptedOut: true });
  const job = await run('sms', anSms);
  expect(job).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'permanent' } });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
});

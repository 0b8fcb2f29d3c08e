import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SendEmailCommand,
  SendingPausedException,
  SESv2Client,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { SesEmailSender } from '../../src/aws/ses-email-sender';
import { PermanentJobError } from '../../src/jobs/errors/permanent-job-error';
import { TransientJobError } from '../../src/jobs/errors/transient-job-error';
import { cannedResponses, offlineClientConfig } from '../support/sdk-wire';

const message = { to: 'ada@example.com', subject: 'Your receipt', body: 'Thanks for your order.' };
const $metadata = { httpStatusCode: 400 };
const options = { fromAddress: 'no-reply@example.com', configurationSetName: 'transactional' };

describe('SesEmailSender', () => {
  const ses = mockClient(SESv2Client);
  const sender = new SesEmailSender(new SESv2Client(offlineClientConfig), options);
  beforeEach(() => ses.reset());
  afterAll(() => ses.restore());

  it('sends a plain-text SendEmail from the configured address and set, and returns the SES message id', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0100018c-ses-message-id' });
    await expect(sender.send(message)).resolves.toEqual({ messageId: '0100018c-ses-message-id' });
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
      FromEmailAddress: 'no-reply@example.com',
      ConfigurationSetName: 'transactional',
      Destination: { ToAddresses: ['ada@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Your receipt', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Thanks for your order.', Charset: 'UTF-8' } },
        },
      },
    });
  });

  it('names the sending identity when sending on behalf of another account', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'id' });
    const arn = 'arn:aws:ses:us-east-1:111122223333:identity/example.com';
    await new SesEmailSender(new SESv2Client(offlineClientConfig), { ...options, fromIdentityArn: arn }).send(message);
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input.FromEmailAddressIdentityArn).toBe(arn);
  });

  it.each([
    ['throttling', new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata })],
    ['the daily quota', new LimitExceededException({ message: 'Daily message quota exceeded.', $metadata })],
    ['paused sending', new SendingPausedException({ message: 'Sending is paused for this account.', $metadata })],
  ])('%s is transient', async (_case, error) => {
    ses.on(SendEmailCommand).rejects(error);
    const failure = sender.send(message);
    await expect(failure).rejects.toBeInstanceOf(TransientJobError);
    await expect(failure).rejects.toHaveProperty('message', expect.stringContaining(`SES answered ${error.name}`));
  });

  it('a service outage, an HTTP 503 and a timed-out request are transient', async () => {
    const outage = Object.assign(new Error('Service Unavailable'), {
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
    });
    const timeout = Object.assign(new Error('request exceeded 5000 ms'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    for (const error of [outage, timeout]) {
      ses.on(SendEmailCommand).rejects(error);
      await expect(sender.send(message)).rejects.toBeInstanceOf(TransientJobError);
    }
  });

  it.each([
    [
      'a rejected recipient',
      new MessageRejected({
        message:
          'Email address is not verified. The following identities failed the check in region US-EAST-1: ada@example.com',
        $metadata,
      }),
    ],
    ['rejected content', new MessageRejected({ message: 'Illegal address', $metadata })],
    [
      'an unverified MAIL FROM domain',
      new MailFromDomainNotVerifiedException({ message: 'Domain not verified', $metadata }),
    ],
    ['a suspended account', new AccountSuspendedException({ message: 'Suspended', $metadata })],
    ['invalid input', new BadRequestException({ message: 'Missing final @domain', $metadata })],
    ['an unknown configuration set', new NotFoundException({ message: 'Configuration set does not exist', $metadata })],
  ])('%s is permanent', async (_case, error) => {
    ses.on(SendEmailCommand).rejects(error);
    await expect(sender.send(message)).rejects.toBeInstanceOf(PermanentJobError);
  });

  it('the job error keeps the reason but not the recipient SES quotes', async () => {
    ses.on(SendEmailCommand).rejects(
      new MessageRejected({
        message:
          'Email address is not verified. The following identities failed the check in region US-EAST-1: ada@example.com',
        $metadata,
      }),
    );
    const error = (await sender.send(message).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      'SES answered MessageRejected (HTTP 400): Email address is not verified. The following identities failed the check in region US-EAST-1: <address>',
    );
    expect(error.message).not.toContain('ada@');
  });

  it('an error it does not know is retried rather than failing the job for good', async () => {
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('User is not authorized to perform ses:SendEmail'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(sender.send(message)).rejects.toBeInstanceOf(TransientJobError);
  });

  it('an answer without a message id is transient, not a delivery', async () => {
    ses.on(SendEmailCommand).resolves({});
    await expect(sender.send(message)).rejects.toBeInstanceOf(TransientJobError);
  });
});

describe('SesEmailSender against SES wire responses', () => {
  const senderAnswering = (...responses: Parameters<typeof cannedResponses>) => {
    const wire = cannedResponses(...responses);
    const client = new SESv2Client({ ...offlineClientConfig, requestHandler: wire.requestHandler });
    return { sender: new SesEmailSender(client, options), requests: wire.requests };
  };

  it('reads the message id from a 200 answer', async () => {
    const { sender, requests } = senderAnswering({ statusCode: 200, body: '{"MessageId":"0100018c-wire-id"}' });
    await expect(sender.send(message)).resolves.toEqual({ messageId: '0100018c-wire-id' });
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/v2/email/outbound-emails' });
  });

  it('a 429 TooManyRequestsException is transient', async () => {
    const { sender } = senderAnswering({
      statusCode: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException:http://internal.amazon.com/coral/com.amazon.ses/' },
      body: '{"message":"Maximum sending rate exceeded."}',
    });
    const error = await sender.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientJobError);
    expect(error).toHaveProperty(
      'message',
      'SES answered TooManyRequestsException (HTTP 429): Maximum sending rate exceeded.',
    );
  });

  it('a 400 MessageRejected is permanent', async () => {
    const { sender } = senderAnswering({
      statusCode: 400,
      headers: { 'x-amzn-errortype': 'MessageRejected:http://internal.amazon.com/coral/com.amazon.ses/' },
      body: '{"message":"Email address is not verified."}',
    });
    const error = await sender.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error).toHaveProperty('message', 'SES answered MessageRejected (HTTP 400): Email address is not verified.');
  });
});

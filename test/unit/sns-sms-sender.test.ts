import {
  CheckIfPhoneNumberIsOptedOutCommand,
  EndpointDisabledException,
  InternalErrorException,
  InvalidParameterException,
  KMSThrottlingException,
  OptedOutException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsSmsSender, type SnsSmsSenderOptions } from '../../src/aws/sns-sms-sender';
import { PermanentJobError } from '../../src/jobs/errors/permanent-job-error';
import { TransientJobError } from '../../src/jobs/errors/transient-job-error';
import { cannedResponses, offlineClientConfig } from '../support/sdk-wire';

const message = { phone: '+14155550123', message: 'Your code is 123456' };
const $metadata = { httpStatusCode: 400 };
const senderWith = (options: Partial<SnsSmsSenderOptions> = {}) =>
  new SnsSmsSender(new SNSClient(offlineClientConfig), { smsType: 'Transactional', ...options });

const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('SnsSmsSender', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => {
    sns.reset();
    sns.on(CheckIfPhoneNumberIsOptedOutCommand).resolves({ isOptedOut: false });
  });
  afterAll(() => sns.restore());

  it('publishes to the number with the SMS type and returns the SNS message id', async () => {
    sns.on(PublishCommand).resolves({ MessageId: '94f20ce6-sns-message-id' });
    await expect(senderWith().send(message)).resolves.toEqual({ messageId: '94f20ce6-sns-message-id' });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      PhoneNumber: '+14155550123',
      Message: 'Your code is 123456',
      MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
    });
  });

  it('sends from the origination number and sender id when configured', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'id' });
    await senderWith({ smsType: 'Promotional', originationNumber: '+18005550100', senderId: 'ACME' }).send(message);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes).toEqual({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Promotional' },
      'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: '+18005550100' },
      'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'ACME' },
    });
  });

  it('an opted-out number fails permanently without publishing (Publish would drop it silently)', async () => {
    sns.on(CheckIfPhoneNumberIsOptedOutCommand, { phoneNumber: '+14155550123' }).resolves({ isOptedOut: true });
    sns.on(PublishCommand).resolves({ MessageId: 'never' });
    const error = await rejectionOf(senderWith().send(message));
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error).toHaveProperty('message', 'SNS: the number opted out of SMS from this account');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('skips the opt-out check when told to', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'id' });
    await senderWith({ checkOptOut: false }).send(message);
    expect(sns.commandCalls(CheckIfPhoneNumberIsOptedOutCommand)).toHaveLength(0);
  });

  it.each([
    ['throttling', new ThrottledException({ message: 'Rate exceeded', $metadata })],
    ['an internal error', new InternalErrorException({ message: 'Internal', $metadata: { httpStatusCode: 500 } })],
    ['KMS throttling', new KMSThrottlingException({ message: 'Slow down', $metadata })],
  ])('%s on Publish is transient', async (_case, error) => {
    sns.on(PublishCommand).rejects(error);
    await expect(senderWith().send(message)).rejects.toBeInstanceOf(TransientJobError);
  });

  it('a throttled opt-out check is transient and publishes nothing', async () => {
    sns
      .on(CheckIfPhoneNumberIsOptedOutCommand)
      .rejects(new ThrottledException({ message: 'Rate exceeded', $metadata }));
    sns.on(PublishCommand).resolves({ MessageId: 'id' });
    await expect(senderWith().send(message)).rejects.toBeInstanceOf(TransientJobError);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('a timed-out request is transient', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));
    await expect(senderWith().send(message)).rejects.toBeInstanceOf(TransientJobError);
  });

  it.each([
    [
      'an invalid number',
      new InvalidParameterException({
        message: 'Invalid parameter: PhoneNumber Reason: +1 is not valid to publish to',
        $metadata,
      }),
    ],
    [
      'an opted-out number reported by Publish',
      new OptedOutException({ message: 'Phone number is opted out', $metadata }),
    ],
    ['a disabled endpoint', new EndpointDisabledException({ message: 'Endpoint is disabled', $metadata })],
  ])('%s is permanent', async (_case, error) => {
    sns.on(PublishCommand).rejects(error);
    await expect(senderWith().send(message)).rejects.toBeInstanceOf(PermanentJobError);
  });

  it('the job error does not quote the number', async () => {
    sns.on(PublishCommand).rejects(
      new InvalidParameterException({
        message: 'Invalid parameter: PhoneNumber Reason: +14155550123 is not valid',
        $metadata,
      }),
    );
    const error = await rejectionOf(senderWith().send(message));
    expect(error).toHaveProperty(
      'message',
      'SNS answered InvalidParameterException (HTTP 400): Invalid parameter: PhoneNumber Reason: <number> is not valid',
    );
  });
});

describe('SnsSmsSender against SNS wire responses', () => {
  const xml = (action: string, result: string) =>
    `<${action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>f187a3c1</RequestId></ResponseMetadata></${action}Response>`;
  const errorXml = (code: string, text: string) =>
    `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${text}</Message></Error><RequestId>f187a3c1</RequestId></ErrorResponse>`;
  const notOptedOut = {
    statusCode: 200,
    headers: { 'content-type': 'text/xml' },
    body: xml('CheckIfPhoneNumberIsOptedOut', '<isOptedOut>false</isOptedOut>'),
  };
  const senderAnswering = (...responses: Parameters<typeof cannedResponses>) => {
    const wire = cannedResponses(...responses);
    const client = new SNSClient({ ...offlineClientConfig, requestHandler: wire.requestHandler });
    return { sender: new SnsSmsSender(client, { smsType: 'Transactional' }), requests: wire.requests };
  };

  it('checks the opt-out list, publishes, and reads the message id', async () => {
    const { sender, requests } = senderAnswering(notOptedOut, {
      statusCode: 200,
      headers: { 'content-type': 'text/xml' },
      body: xml('Publish', '<MessageId>94f20ce6-wire-id</MessageId>'),
    });
    await expect(sender.send(message)).resolves.toEqual({ messageId: '94f20ce6-wire-id' });
    const bodies = requests.map((r) => new URLSearchParams(String(r.body)));
    expect(bodies.map((b) => b.get('Action'))).toEqual(['CheckIfPhoneNumberIsOptedOut', 'Publish']);
    expect(bodies[1]?.get('PhoneNumber')).toBe('+14155550123');
  });

  it('an opted-out answer is permanent', async () => {
    const { sender, requests } = senderAnswering({
      statusCode: 200,
      headers: { 'content-type': 'text/xml' },
      body: xml('CheckIfPhoneNumberIsOptedOut', '<isOptedOut>true</isOptedOut>'),
    });
    await expect(sender.send(message)).rejects.toBeInstanceOf(PermanentJobError);
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['Throttled', 429],
    ['Throttling', 400],
  ])('a %s error code is transient', async (code, statusCode) => {
    const { sender } = senderAnswering(notOptedOut, {
      statusCode,
      headers: { 'content-type': 'text/xml' },
      body: errorXml(code, 'Rate exceeded'),
    });
    await expect(sender.send(message)).rejects.toBeInstanceOf(TransientJobError);
  });

  it('an InvalidParameter error code is permanent', async () => {
    const { sender } = senderAnswering(notOptedOut, {
      statusCode: 400,
      headers: { 'content-type': 'text/xml' },
      body: errorXml('InvalidParameter', 'Invalid parameter: PhoneNumber Reason: +1 is not valid to publish to'),
    });
    const error = await rejectionOf(sender.send(message));
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error).toHaveProperty(
      'message',
      expect.stringContaining('SNS answered InvalidParameterException (HTTP 400)'),
    );
  });
});

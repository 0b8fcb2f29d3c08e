import { parseJobMessage, UnreadableMessageError } from '../../src/jobs/use-cases/handle-job-message';

function rejectionOf(body: string): unknown {
  try {
    parseJobMessage(body, ['email', 'sms', 'cleanup']);
  } catch (error) {
    return error;
  }
  throw new Error(`Expected ${body} to be rejected`);
}

describe('parseJobMessage', () => {
  it.each(['email', 'sms', 'cleanup'])('reads a %s job message', (type) => {
    expect(parseJobMessage(JSON.stringify({ jobId: 'job-1', type }), ['email', 'sms', 'cleanup'])).toEqual({
      jobId: 'job-1',
      type,
      round: 1,
    });
  });

  it('ignores extra fields in the message', () => {
    expect(parseJobMessage(JSON.stringify({ jobId: 'job-1', type: 'sms', trace: 'x' }), ['sms'])).toEqual({
      jobId: 'job-1',
      type: 'sms',
      round: 1,
    });
  });

  it.each(['not json', '{"jobId":', ''])('rejects a body that is not JSON (%p)', (body) => {
    const error = rejectionOf(body);
    expect(error).toBeInstanceOf(UnreadableMessageError);
    expect(error).toHaveProperty('message', 'Message body is not JSON');
    expect(error).toHaveProperty('name', 'UnreadableMessageError');
  });

  it.each([
    ['no jobId', { type: 'email' }],
    ['an empty jobId', { jobId: '', type: 'email' }],
    ['a numeric jobId', { jobId: 42, type: 'email' }],
  ])('rejects a message with %s', (_label, message) => {
    expect(rejectionOf(JSON.stringify(message))).toBeInstanceOf(UnreadableMessageError);
  });

  it.each([
    ['an unknown type', { jobId: 'job-1', type: 'fax' }],
    ['the external type, which workers never run', { jobId: 'job-1', type: 'external' }],
    ['no type', { jobId: 'job-1' }],
  ])('rejects a message with %s', (_label, message) => {
    expect(rejectionOf(JSON.stringify(message))).toBeInstanceOf(UnreadableMessageError);
  });

  it.each(['null', '42', '"job-1"', '[]'])('rejects JSON that is not a message object (%s)', (body) => {
    expect(rejectionOf(body)).toBeInstanceOf(UnreadableMessageError);
  });
});

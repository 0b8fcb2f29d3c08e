import { randomUUID } from 'node:crypto';
import { PermanentJobError } from '../../src/jobs/errors/permanent-job-error';
import { TransientJobError } from '../../src/jobs/errors/transient-job-error';
import { SimulatedEmailSender } from '../../src/jobs/providers/simulated-email-sender';

const sender = new SimulatedEmailSender();
const send = (to: string, attempt = 1, idempotencyKey: string = randomUUID()) =>
  sender.send({ to, subject: 'Hi', body: 'Hello' }, { attempt, idempotencyKey });

describe('SimulatedEmailSender', () => {
  it('delivers to an ordinary address with a message id', async () => {
    const { messageId } = await send('ada@example.com');
    expect(messageId).toMatch(/^simulated-email-[0-9a-f-]{36}$/);
  });

  it('gives each delivery its own message id', async () => {
    const [a, b] = await Promise.all([send('ada@example.com'), send('ada@example.com')]);
    expect(a.messageId).not.toBe(b.messageId);
  });

  it('delivers once per idempotency key: a second call, on a later attempt too, answers the first message id', async () => {
    const first = await send('ada@example.com', 1, 'job-1:1');
    await expect(send('ada@example.com', 1, 'job-1:1')).resolves.toEqual(first);
    await expect(send('ada@example.com', 2, 'job-1:1')).resolves.toEqual(first);
    await expect(send('ada@example.com', 1, 'job-1:2')).resolves.not.toEqual(first);
  });

  it('delivers to the SES success simulator', async () => {
    await expect(send('success@simulator.amazonses.com')).resolves.toHaveProperty('messageId');
  });

  it('bounces permanently for bounce@simulator.amazonses.com on every attempt', async () => {
    for (const attempt of [1, 2, 5]) {
      const failure = send('bounce@simulator.amazonses.com', attempt);
      await expect(failure).rejects.toBeInstanceOf(PermanentJobError);
    }
  });

  it('bounce matching ignores letter case', async () => {
    await expect(send('Bounce@Simulator.AmazonSES.com')).rejects.toBeInstanceOf(PermanentJobError);
  });

  it('a bounce local part on another domain is delivered', async () => {
    await expect(send('bounce@example.com')).resolves.toHaveProperty('messageId');
  });

  it('fail-2 fails transiently on attempts 1 and 2, then delivers on attempt 3', async () => {
    await expect(send('fail-2@example.com', 1)).rejects.toBeInstanceOf(TransientJobError);
    await expect(send('fail-2@example.com', 2)).rejects.toBeInstanceOf(TransientJobError);
    await expect(send('fail-2@example.com', 3)).resolves.toHaveProperty('messageId');
    await expect(send('fail-2@example.com', 4)).resolves.toHaveProperty('messageId');
  });

  it('transient failures are not permanent', async () => {
    const error = await send('fail-1@example.com', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientJobError);
    expect(error).not.toBeInstanceOf(PermanentJobError);
    expect(error).toHaveProperty('name', 'TransientJobError');
  });

  it('fail-0 never fails', async () => {
    await expect(send('fail-0@example.com', 1)).resolves.toHaveProperty('messageId');
  });

  it('fail-always fails transiently on every attempt', async () => {
    for (const attempt of [1, 2, 10, 100]) {
      await expect(send('fail-always@example.com', attempt)).rejects.toBeInstanceOf(TransientJobError);
    }
  });
});

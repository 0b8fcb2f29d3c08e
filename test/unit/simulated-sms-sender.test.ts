import { randomUUID } from 'node:crypto';
import { PermanentJobError } from '../../src/jobs/errors/permanent-job-error';
import { TransientJobError } from '../../src/jobs/errors/transient-job-error';
import { SIMULATED_SMS_NUMBERS, SimulatedSmsSender } from '../../src/jobs/providers/simulated-sms-sender';

const sender = new SimulatedSmsSender();
const send = (phone: string, attempt = 1) =>
  sender.send({ phone, message: 'Hello' }, { attempt, idempotencyKey: randomUUID() });

describe('SimulatedSmsSender', () => {
  it('delivers to an ordinary number with a message id', async () => {
    const { messageId } = await send('+14155550123');
    expect(messageId).toMatch(/^simulated-sms-[0-9a-f-]{36}$/);
  });

  it('the unreachable number fails permanently on every attempt', async () => {
    expect(SIMULATED_SMS_NUMBERS.unreachable).toBe('+15005550009');
    for (const attempt of [1, 2, 5]) {
      await expect(send(SIMULATED_SMS_NUMBERS.unreachable, attempt)).rejects.toBeInstanceOf(PermanentJobError);
    }
  });

  it('the always-failing number fails transiently on every attempt', async () => {
    for (const attempt of [1, 2, 10, 100]) {
      const error = await send(SIMULATED_SMS_NUMBERS.alwaysFailing, attempt).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientJobError);
      expect(error).not.toBeInstanceOf(PermanentJobError);
    }
  });

  it.each([1, 3, 9])('+1500555100%i fails transiently on the first N attempts, then delivers', async (n) => {
    const phone = `${SIMULATED_SMS_NUMBERS.failFirstPrefix}${n}`;
    for (let attempt = 1; attempt <= n; attempt++) {
      await expect(send(phone, attempt)).rejects.toBeInstanceOf(TransientJobError);
    }
    await expect(send(phone, n + 1)).resolves.toHaveProperty('messageId');
  });

  it('a longer number that merely starts with the fail-first prefix is delivered', async () => {
    await expect(send(`${SIMULATED_SMS_NUMBERS.failFirstPrefix}99`, 1)).resolves.toHaveProperty('messageId');
  });
});

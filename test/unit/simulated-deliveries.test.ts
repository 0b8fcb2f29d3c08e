import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimulatedEmailSender } from '../../src/jobs/providers/simulated-email-sender';
import { SIMULATED_SEND_LOG_VARIABLE, simulatedDeliveries } from '../../src/jobs/providers/simulated-send-log';

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'simulated-deliveries-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('senders sharing a send log (two execution environments) deliver once per idempotency key, and log each call', async () => {
  const file = path.join(dir, 'sends.jsonl');
  const env = { [SIMULATED_SEND_LOG_VARIABLE]: file };
  const [first, second] = [
    new SimulatedEmailSender(simulatedDeliveries(env)),
    new SimulatedEmailSender(simulatedDeliveries(env)),
  ];
  const message = { to: 'ada@example.com', subject: 'Hi', body: 'Hello' };
  const answers = await Promise.all([
    first.send(message, { attempt: 1, idempotencyKey: 'job-1:1' }),
    second.send(message, { attempt: 1, idempotencyKey: 'job-1:1' }),
    second.send(message, { attempt: 2, idempotencyKey: 'job-1:1' }),
    first.send(message, { attempt: 1, idempotencyKey: 'job-2:1' }),
  ]);
  expect(new Set(answers.slice(0, 3).map((a) => a.messageId)).size).toBe(1);
  expect(answers[3]!.messageId).not.toBe(answers[0]!.messageId);
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { idempotencyKey: string; deduplicated: boolean });
  expect(lines.map(({ idempotencyKey, deduplicated }) => `${idempotencyKey} ${deduplicated}`).sort()).toEqual([
    'job-1:1 false',
    'job-1:1 true',
    'job-1:1 true',
    'job-2:1 false',
  ]);
});

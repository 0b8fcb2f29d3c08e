import { BroadcastChannel } from 'node:worker_threads';
import { ChaosMode } from '../../packages/local-stack/src/chaos/chaos-mode';

const sequence =
  (...draws: number[]) =>
  () =>
    draws.shift() ?? 0.99;

test('draws crashes and hangs at their rates, placed before or after the handler, and counts them', () => {
  const chaos = new ChaosMode({ crashRate: 0.1, hangRate: 0.1, random: sequence(0.05, 0.2, 0.15, 0.7, 0.5) });
  expect(chaos.invocationFault()).toEqual({ kind: 'crash', when: 'before' }); // 0.05 < 0.1; 0.2 < 0.5
  expect(chaos.invocationFault()).toEqual({ kind: 'hang', when: 'after' }); // 0.15 in [0.1, 0.2); 0.7 ≥ 0.5
  expect(chaos.invocationFault()).toBeUndefined(); // 0.5 ≥ 0.2
  expect(chaos.counts).toEqual({ crash: 1, 'crash:before': 1, hang: 1, 'hang:after': 1 });
  chaos.stop();
});

test('a fixed placement is honoured; duplicates are drawn at their rate', () => {
  const chaos = new ChaosMode({ crashRate: 1, duplicateRate: 0.5, placement: 'after', random: sequence(0, 0.4, 0.6) });
  expect(chaos.invocationFault()).toEqual({ kind: 'crash', when: 'after' });
  expect(chaos.duplicateDelivery()).toBe(true);
  expect(chaos.duplicateDelivery()).toBe(false);
  expect(chaos.counts).toEqual({ crash: 1, 'crash:after': 1, duplicate: 1 });
  chaos.stop();
});

test('SDK throttling reaches the functions as a variable, and their announced faults are counted', async () => {
  expect(new ChaosMode({}).environment()).toEqual({});
  const chaos = new ChaosMode({ sdkThrottleRate: 0.2 });
  expect(chaos.environment()).toEqual({ CHAOS_SDK_THROTTLE_RATE: '0.2' });
  const announcer = new BroadcastChannel('chaos-sdk-faults');
  announcer.postMessage({ kind: 'sdk-throttle', service: 'SQS', operation: 'SendMessage' });
  announcer.postMessage({ kind: 'sdk-throttle', service: 'SQS', operation: 'ReceiveMessage' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(chaos.counts).toEqual({ 'sdk-throttle:SQS': 2 });
  announcer.close();
  chaos.stop();
});

/**
 * A second CDK app (test/fixtures/orders-app: a route, a queue, a worker and a table, in plain
 * JavaScript with unbundled handlers) that shares nothing with the first, run end to end through
 * the package's public entry point and through its command line, as a user would.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, startLocalStack, type LocalStack } from '@serverless-jobs/local-stack';
import { byPrefix, descendantPids, eventually, isAlive } from './helpers';

const appDir = fileURLToPath(new URL('./fixtures/orders-app', import.meta.url));
const command = fileURLToPath(new URL('../bin/local-stack.mjs', import.meta.url));

const placeOrder = (url: string, order: unknown) =>
  fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(order),
  });

describe('through the public entry point', () => {
  let stack: LocalStack;
  const log: string[] = [];

  // Kept so that afterAll stops the stack even when beforeAll timed out before it was ready.
  let starting: Promise<LocalStack> | undefined;
  beforeAll(async () => {
    starting = startLocalStack({ appDir, port: 0, log: (line) => log.push(line) });
    stack = await starting;
  }, 240_000);
  afterAll(async () => (await starting?.catch(() => undefined))?.stop(), 30_000);

  it('takes an order over HTTP, fulfils it from the queue and reads it back from the table', async () => {
    const placed = await placeOrder(stack.url, { item: 'tea', quantity: 2 });
    expect(placed.status).toBe(202);
    const { orderId } = (await placed.json()) as { orderId: string };
    const order = await eventually(
      async () => {
        const response = await fetch(`${stack.url}/orders/${orderId}`);
        return response.status === 200 ? response.json() : undefined;
      },
      15_000,
      'the order to be fulfilled',
    );
    expect(order).toEqual({
      orderId,
      item: 'tea',
      quantity: 2,
      status: 'FULFILLED',
      fulfilledBy: byPrefix(stack.functions, 'FulfilOrder').functionName,
    });
  });

  it('passes the handlers’ own answers through: 400 for a bad order, 404 for an unknown one', async () => {
    const bad = await placeOrder(stack.url, { item: 'tea', quantity: 0 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringContaining('quantity') });
    expect((await fetch(`${stack.url}/orders/no-such-order`)).status).toBe(404);
  });

  it('moves an order the worker reports as failed to the dead-letter queue after one receive', async () => {
    const placed = await placeOrder(stack.url, { item: 'nothing', quantity: 1 });
    const { orderId } = (await placed.json()) as { orderId: string };
    const sqs = new SQSClient({
      endpoint: stack.emulators.sqs,
      region: stack.emulators.region,
      credentials: LOCAL_CREDENTIALS,
      useQueueUrlAsEndpoint: false,
    });
    try {
      const dlq = byPrefix(stack.queues, 'FailedOrders');
      const message = await eventually(
        async () => {
          const { Messages = [] } = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: dlq.queueUrl, WaitTimeSeconds: 1 }),
          );
          return Messages[0];
        },
        20_000, // the queue's 6 s visibility timeout passes before the redrive
        'the failed order in the DLQ',
      );
      expect(JSON.parse(message.Body!)).toMatchObject({ orderId, item: 'nothing' });
    } finally {
      sqs.destroy();
    }
  }, 30_000);

  it('reports what it runs, and the template’s IAM resources as ignored', () => {
    expect(log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^table +Orders\w+$/),
        expect.stringMatching(/^route +POST +\/orders → OrdersApp-PlaceOrder\w+$/),
        expect.stringMatching(
          /^mapping +OrderQueue\w+ → OrdersApp-FulfilOrder\w+ \(batch 10, max concurrency 5, partial batch failures\)$/,
        ),
        expect.stringMatching(/^ignored +AWS::IAM::Role ×\d+ \(not emulated\)$/), // the functions’ and API Gateway’s logging role
        expect.stringMatching(/^ignored +AWS::Lambda::Function properties: Role ×3$/),
      ]),
    );
  });
});

describe('the local-stack command, in the app’s folder', () => {
  it('serves the app until SIGINT, then exits 0 leaving no process behind', async () => {
    // The cloud assembly synthesized by the tests above is reused.
    const child = spawn(process.execPath, [command, '--port', '0', '--no-synth', '--no-schedules'], {
      cwd: appDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let children: number[] = [];
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const ready = /Local stack ready at (http:\/\/localhost:\d+)/.exec(line);
          if (ready?.[1]) resolve(ready[1]);
        });
        void exited.then((code) => reject(new Error(`local-stack exited with ${code} before it was ready`)));
      });
      children = descendantPids(child.pid);
      expect(children.length).toBeGreaterThanOrEqual(2); // the emulators, at least
      expect((await fetch(`${url}/orders/unknown`)).status).toBe(404);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      await eventually(async () => children.every((pid) => !isAlive(pid)), 10_000, 'the emulators to exit');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const pid of children.filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  }, 90_000);
});

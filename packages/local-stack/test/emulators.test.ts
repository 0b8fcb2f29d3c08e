/** The emulators must never outlive the process that started them, even when it is killed. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { createDynamoDbClient, createSqsClient } from '../src/emulators/aws-clients';
import { startEmulators } from '../src';
import { descendantPids, eventually, isAlive } from './helpers';

it('answers, then stops, leaving no process', async () => {
  const before = new Set(descendantPids());
  const emulators = await startEmulators();
  const mine = descendantPids().filter((pid) => !before.has(pid));
  try {
    const dynamodb = createDynamoDbClient(emulators);
    const sqs = createSqsClient(emulators);
    await expect(dynamodb.send(new ListTablesCommand({}))).resolves.toHaveProperty('TableNames');
    await expect(sqs.send(new ListQueuesCommand({}))).resolves.toBeDefined();
    dynamodb.destroy();
    sqs.destroy();
  } finally {
    await emulators.stop();
  }
  expect(mine.length).toBeGreaterThanOrEqual(3);
  await eventually(async () => mine.every((pid) => !isAlive(pid)), 10_000, 'emulator processes to exit');
}, 240_000); // DynamoDB Local may take minutes to answer on a loaded machine

it('dies with its owner when the owner is killed with SIGKILL', async () => {
  // The owner is a separate Node process that starts the emulators and prints their process tree.
  const script = `
    import { startEmulators } from '${new URL('../src/emulators/emulators.ts', import.meta.url).href}';
    import { descendantPids } from '${new URL('./helpers.ts', import.meta.url).href}';
    await startEmulators();
    console.log(JSON.stringify(descendantPids()));
  `;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pids = await new Promise<number[]>((resolve, reject) => {
    createInterface({ input: owner.stdout }).once('line', (line) => resolve(JSON.parse(line) as number[]));
    owner.once('exit', (code) => reject(new Error(`owner exited with ${code}`)));
  });
  expect(pids.length).toBeGreaterThanOrEqual(3);
  owner.kill('SIGKILL');
  try {
    await eventually(async () => pids.every((pid) => !isAlive(pid)), 15_000, 'orphaned emulators to exit');
  } finally {
    for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL'); // never leave them behind, even when failing
  }
}, 240_000); // DynamoDB Local may take minutes to answer on a loaded machine

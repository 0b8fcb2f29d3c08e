import path from 'node:path';
import { DEFAULT_REGION } from '../arns';
import type { EmulatorEndpoints } from './aws-clients';
import { startDynamoDbLocal } from './dynamodb-local';
import { startFauxqs } from './fauxqs';

export interface RunningEmulators extends EmulatorEndpoints {
  /** Process ids of the emulator processes we started (their guards), for diagnostics. */
  pids: number[];
  /** Stops both emulators; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local and fauxqs side by side, each on a free port; with `dataDir`, both keep
 * their data in its `dynamodb/` and `sqs/` folders and find it again on the next start.
 */
export async function startEmulators(opts: { region?: string; dataDir?: string } = {}): Promise<RunningEmulators> {
  const region = opts.region ?? DEFAULT_REGION;
  const at = (folder: string) => (opts.dataDir ? path.join(opts.dataDir, folder) : undefined);
  const [dynamodb, sqs] = await Promise.allSettled([
    startDynamoDbLocal(region, at('dynamodb')),
    startFauxqs(at('sqs')),
  ]);
  if (dynamodb.status === 'rejected' || sqs.status === 'rejected') {
    // Never leave the one that did start running.
    await Promise.all(
      [dynamodb, sqs].map((result) => (result.status === 'fulfilled' ? result.value.process.stop() : undefined)),
    );
    throw dynamodb.status === 'rejected' ? dynamodb.reason : (sqs as PromiseRejectedResult).reason;
  }
  let stopping: Promise<void> | undefined;
  return {
    dynamodb: dynamodb.value.endpoint,
    sqs: sqs.value.endpoint,
    region,
    pids: [dynamodb.value.process.pid, sqs.value.process.pid],
    stop() {
      stopping ??= Promise.all([dynamodb.value.process.stop(), sqs.value.process.stop()]).then(() => undefined);
      return stopping;
    },
  };
}

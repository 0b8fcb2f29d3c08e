import { BroadcastChannel } from 'node:worker_threads';
import { GetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isOverloadError } from '../../src/aws/aws-error-mapping';
import {
  SDK_FAULTS_CHANNEL,
  SDK_THROTTLE_RATE_VARIABLE,
  sdkFaultInjection,
  type InjectedSdkFault,
} from '../../src/aws/sdk-fault-injection';
import { CHAOS_SDK_FAULTS_CHANNEL, CHAOS_SDK_THROTTLE_RATE_VARIABLE } from '@serverless-jobs/local-stack';

const client = (maxAttempts: number) =>
  new DynamoDBClient({
    region: 'us-east-1',
    // Nothing listens there: a request that got past the middleware would fail to connect instead.
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts,
  });
const getItem = new GetItemCommand({ TableName: 't', Key: { id: { S: '1' } } });

test('is off unless the variable holds a rate: the client is untouched', () => {
  const untouched = client(1);
  untouched.middlewareStack.use(sdkFaultInjection({}));
  expect(untouched.middlewareStack.identify().join(' ')).not.toContain('sdkFaultInjectionMiddleware');
});

test('throttles every call at rate 1, inside the retry loop, as an overload error, and announces each fault', async () => {
  const listener = new BroadcastChannel(SDK_FAULTS_CHANNEL);
  const heard: InjectedSdkFault[] = [];
  listener.onmessage = (event) => heard.push((event as { data: InjectedSdkFault }).data);
  const throttled = client(2);
  throttled.middlewareStack.use(sdkFaultInjection({ [SDK_THROTTLE_RATE_VARIABLE]: '1' }));
  try {
    const error = await throttled.send(getItem).then(
      () => undefined,
      (e: unknown) => e as Error & { $metadata?: { attempts?: number } },
    );
    expect(error?.name).toBe('ThrottlingException');
    expect(isOverloadError(error)).toBe(true);
    // Both attempts went through the middleware: the SDK retried the throttle as it would a real one.
    expect(error?.$metadata?.attempts).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual([
      { kind: 'sdk-throttle', service: 'DynamoDB', operation: 'GetItem' },
      { kind: 'sdk-throttle', service: 'DynamoDB', operation: 'GetItem' },
    ]);
  } finally {
    listener.close();
    throttled.destroy();
  }
});

test('lets calls through at the complementary fraction', async () => {
  const draws = [0.5, 0.05];
  const partial = client(1);
  partial.middlewareStack.use(sdkFaultInjection({ [SDK_THROTTLE_RATE_VARIABLE]: '0.1' }, () => draws.shift() ?? 1));
  try {
    // 0.5 ≥ 0.1: through to the (closed) endpoint; 0.05 < 0.1: throttled.
    await expect(partial.send(getItem)).rejects.not.toHaveProperty('name', 'ThrottlingException');
    await expect(partial.send(getItem)).rejects.toHaveProperty('name', 'ThrottlingException');
  } finally {
    partial.destroy();
  }
});

test("speaks the local stack's chaos mode contract: the same variable and channel", () => {
  expect(SDK_THROTTLE_RATE_VARIABLE).toBe(CHAOS_SDK_THROTTLE_RATE_VARIABLE);
  expect(SDK_FAULTS_CHANNEL).toBe(CHAOS_SDK_FAULTS_CHANNEL);
});

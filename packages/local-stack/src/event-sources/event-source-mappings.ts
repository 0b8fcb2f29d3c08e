import { functionNameOf } from '../arns';
import type { ChaosMode } from '../chaos/chaos-mode';
import type { EmulatorEndpoints } from '../emulators/aws-clients';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createDynamoDbStreamsClient, createSqsClient } from '../emulators/aws-clients';
import { DynamoDbStreamEventSource } from './dynamodb-stream-event-source';
import type { IntrinsicResolver } from '../cloudformation/intrinsics';
import type { LocalFunction } from '../lambda/lambda-function';
import type { LocalTable } from '../cloudformation/provision-table';
import type { LocalQueue } from '../cloudformation/provision-queue';
import { SqsEventSource } from './sqs-event-source';
import type { StreamPositionsFile } from './stream-positions';
import { resourcesOfType, type CfnTemplate } from '../cloudformation/template';

/** Lambda's default number of concurrent SQS pollers when MaximumConcurrency is not set. */
const DEFAULT_SQS_CONCURRENCY = 5;

export interface RunningEventSource {
  /** One line for the startup report. */
  description: string;
  stop(): Promise<void>;
}

export interface RunningEventSources {
  sources: RunningEventSource[];
  /** Stops every poller (each waits briefly for its invocations in flight). */
  stop(): Promise<void>;
}

/** The AWS::Lambda::EventSourceMapping properties the local stack honours. */
interface EventSourceMappingProps {
  FunctionName?: string;
  EventSourceArn?: string;
  Enabled?: boolean | string;
  BatchSize?: number;
  MaximumBatchingWindowInSeconds?: number;
  FunctionResponseTypes?: string[];
  ScalingConfig?: { MaximumConcurrency?: number };
  StartingPosition?: string;
  MaximumRetryAttempts?: number;
  /** Stream mappings: where discarded batches are reported (an SQS queue of the template). */
  DestinationConfig?: { OnFailure?: { Destination?: string } };
}

export interface EventSourceContext {
  template: CfnTemplate;
  resolver: IntrinsicResolver;
  endpoints: EmulatorEndpoints;
  functions: Record<string, LocalFunction>;
  tables: Record<string, LocalTable>;
  queues: Record<string, LocalQueue>;
  streamPollIntervalMs: number;
  log: (line: string) => void;
  /** Where stream mappings keep their per-shard positions across restarts (with a data directory). */
  streamPositions?: StreamPositionsFile;
  /** Chaos mode, for the SQS event sources. */
  chaos?: ChaosMode;
}

/** Starts a poller for every enabled AWS::Lambda::EventSourceMapping whose source we emulate. */
export async function startEventSourceMappings(context: EventSourceContext): Promise<RunningEventSources> {
  const { template, resolver, endpoints, functions, log } = context;
  const running: RunningEventSource[] = [];
  const sqsClient = createSqsClient(endpoints);
  const streamsClient = createDynamoDbStreamsClient(endpoints);
  try {
    for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
      if (resource.Condition && !resolver.isConditionTrue(resource.Condition)) continue;
      const props = resolver.resolve(resource.Properties ?? {}) as EventSourceMappingProps;
      if (props.Enabled === false || props.Enabled === 'false') continue;
      const name = functionNameOf(String(props.FunctionName));
      const fn = Object.values(functions).find((f) => f.functionName === name);
      const sourceArn = String(props.EventSourceArn);
      if (!fn) {
        log(`⚠ event source mapping ${logicalId}: function ${props.FunctionName} is not emulated, skipped`);
        continue;
      }
      const reportBatchItemFailures = (props.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures');
      const batchingWindow = Number(props.MaximumBatchingWindowInSeconds ?? 0);
      const [queueLogicalId, queue] = Object.entries(context.queues).find(([, q]) => q.queueArn === sourceArn) ?? [];
      if (queue && queueLogicalId) {
        const queueProps = resolver.resolve(template.Resources?.[queueLogicalId]?.Properties ?? {}) as {
          VisibilityTimeout?: number;
        };
        const batchSize = Number(props.BatchSize ?? 10);
        const maximumConcurrency = Number(props.ScalingConfig?.MaximumConcurrency ?? DEFAULT_SQS_CONCURRENCY);
        const source = new SqsEventSource({
          client: sqsClient,
          queue,
          fn,
          region: endpoints.region,
          batchSize,
          maximumBatchingWindowSeconds: batchingWindow,
          maximumConcurrency,
          visibilityTimeoutSeconds: Number(queueProps.VisibilityTimeout ?? 30),
          reportBatchItemFailures,
          log,
          ...(context.chaos ? { chaos: context.chaos } : {}),
        });
        source.start();
        running.push({
          description: `${queue.queueName} → ${fn.functionName} (batch ${batchSize}, max concurrency ${maximumConcurrency}${reportBatchItemFailures ? ', partial batch failures' : ''})`,
          stop: () => source.stop(),
        });
        continue;
      }
      const table = Object.values(context.tables).find((t) => t.streamArn && t.streamArn === sourceArn);
      if (table) {
        const batchSize = Number(props.BatchSize ?? 100);
        const destinationArn = props.DestinationConfig?.OnFailure?.Destination;
        const destination = destinationArn
          ? Object.values(context.queues).find((q) => q.queueArn === destinationArn)
          : undefined;
        if (destinationArn && !destination)
          log(`⚠ event source mapping ${logicalId}: on-failure destination ${destinationArn} is not emulated`);
        const source = new DynamoDbStreamEventSource({
          client: streamsClient,
          streamArn: table.streamArn!,
          tableName: table.tableName,
          fn,
          region: endpoints.region,
          batchSize,
          startingPosition: props.StartingPosition === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST',
          maximumBatchingWindowSeconds: batchingWindow,
          maximumRetryAttempts: Number(props.MaximumRetryAttempts ?? -1),
          reportBatchItemFailures,
          pollIntervalMs: context.streamPollIntervalMs,
          log,
          positions: context.streamPositions?.open(logicalId, table.streamArn!),
          ...(destination
            ? {
                onFailure: async (record) => {
                  await sqsClient.send(
                    new SendMessageCommand({ QueueUrl: destination.queueUrl, MessageBody: JSON.stringify(record) }),
                  );
                },
              }
            : {}),
        });
        await source.start();
        running.push({
          description: `${table.tableName} stream → ${fn.functionName} (batch ${batchSize}, ${props.StartingPosition ?? 'LATEST'}${reportBatchItemFailures ? ', partial batch failures' : ''}${destination ? `, failures → ${destination.queueName}` : ''})`,
          stop: () => source.stop(),
        });
        continue;
      }
      log(`⚠ event source mapping ${logicalId}: source ${sourceArn} is not emulated, skipped`);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  async function stopAll() {
    await Promise.all(running.map((source) => source.stop()));
    await context.streamPositions?.flush();
    sqsClient.destroy();
    streamsClient.destroy();
  }
  return { sources: running, stop: stopAll };
}

import { randomUUID } from 'node:crypto';
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

/** What GetEventSourceMapping reports as State (Creating, Updating and Deleting never happen locally). */
export type EventSourceMappingState = 'Enabled' | 'Disabled' | 'Enabling' | 'Disabling';

/**
 * One AWS::Lambda::EventSourceMapping as the Lambda API shows it at run time. Its UUID is what
 * `Ref` of its logical id resolves to (as on AWS), so functions can be handed it by the template.
 */
export interface LocalEventSourceMapping {
  uuid: string;
  logicalId: string;
  functionArn: string;
  eventSourceArn: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  functionResponseTypes: string[];
  maximumConcurrency?: number;
  /** Stream mappings: concurrent batches per shard. */
  parallelizationFactor?: number;
  state: EventSourceMappingState;
  /** Epoch ms of the last state change. */
  lastModified: number;
  /** Undefined when Enabled cannot change at run time locally (only SQS sources can be paused). */
  setEnabled?: (enabled: boolean) => Promise<void>;
}

/**
 * Every event source mapping of the template, by UUID: the Lambda API the local stack serves
 * (lambda/lambda-control-plane.ts) reads and switches them. The UUIDs exist before the functions
 * do (their environments may name them); the mappings are filled in when their pollers are made.
 */
export class EventSourceMappingRegistry {
  private readonly uuids = new Map<string, string>();
  private readonly mappings = new Map<string, LocalEventSourceMapping>();

  /** Gives every mapping of the template its UUID, the value of its `Ref`. */
  static fromTemplate(template: CfnTemplate, resolver: IntrinsicResolver): EventSourceMappingRegistry {
    const registry = new EventSourceMappingRegistry();
    for (const [logicalId] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
      const uuid = randomUUID();
      registry.uuids.set(logicalId, uuid);
      resolver.register(logicalId, { ref: uuid });
    }
    return registry;
  }

  uuidOf(logicalId: string): string {
    const uuid = this.uuids.get(logicalId);
    if (!uuid) throw new Error(`No event source mapping ${logicalId}`);
    return uuid;
  }

  add(mapping: LocalEventSourceMapping): void {
    this.mappings.set(mapping.uuid, mapping);
  }

  get(uuid: string): LocalEventSourceMapping | undefined {
    return this.mappings.get(uuid);
  }

  all(): LocalEventSourceMapping[] {
    return [...this.mappings.values()];
  }
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
  /** Stream mappings: batches of one shard in flight at once, 1–10 (default 1). */
  ParallelizationFactor?: number | string;
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
  /** Where the mappings are recorded for the Lambda API; default a fresh one (UUIDs then differ from Ref's). */
  registry?: EventSourceMappingRegistry;
}

/**
 * Starts a poller for every enabled AWS::Lambda::EventSourceMapping whose source we emulate; a
 * disabled SQS mapping gets its poller too, started when UpdateEventSourceMapping enables it.
 */
export async function startEventSourceMappings(context: EventSourceContext): Promise<RunningEventSources> {
  const { template, resolver, endpoints, functions, log } = context;
  const registry = context.registry ?? EventSourceMappingRegistry.fromTemplate(template, resolver);
  const running: RunningEventSource[] = [];
  const sqsClient = createSqsClient(endpoints);
  const streamsClient = createDynamoDbStreamsClient(endpoints);
  try {
    for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
      if (resource.Condition && !resolver.isConditionTrue(resource.Condition)) continue;
      const props = resolver.resolve(resource.Properties ?? {}) as EventSourceMappingProps;
      const enabled = !(props.Enabled === false || props.Enabled === 'false');
      const name = functionNameOf(String(props.FunctionName));
      const fn = Object.values(functions).find((f) => f.functionName === name);
      const sourceArn = String(props.EventSourceArn);
      if (!fn) {
        log(`⚠ event source mapping ${logicalId}: function ${props.FunctionName} is not emulated, skipped`);
        continue;
      }
      const reportBatchItemFailures = (props.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures');
      const batchingWindow = Number(props.MaximumBatchingWindowInSeconds ?? 0);
      const describe = (batchSize: number, maximumConcurrency?: number): LocalEventSourceMapping => ({
        uuid: registry.uuidOf(logicalId),
        logicalId,
        functionArn: fn.functionArn,
        eventSourceArn: sourceArn,
        batchSize,
        maximumBatchingWindowInSeconds: batchingWindow,
        functionResponseTypes: props.FunctionResponseTypes ?? [],
        ...(maximumConcurrency !== undefined ? { maximumConcurrency } : {}),
        state: enabled ? 'Enabled' : 'Disabled',
        lastModified: Date.now(),
      });
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
        const mapping = describe(batchSize, maximumConcurrency);
        // As on AWS, the change is accepted at once and takes effect shortly after: Enabling until
        // the pollers run, Disabling until their long polls in progress have run out (≤ 20 s). A
        // change while another takes effect supersedes it.
        let generation = 0;
        mapping.setEnabled = (enable) => {
          const mine = ++generation;
          mapping.state = enable ? 'Enabling' : 'Disabling';
          mapping.lastModified = Date.now();
          const settle = () => {
            if (mine !== generation) return;
            mapping.state = enable ? 'Enabled' : 'Disabled';
            mapping.lastModified = Date.now();
          };
          if (enable) {
            source.start();
            setImmediate(settle);
            return Promise.resolve();
          }
          return source.pause().then(settle);
        };
        registry.add(mapping);
        if (enabled) source.start();
        running.push({
          description: `${queue.queueName} → ${fn.functionName} (batch ${batchSize}, max concurrency ${maximumConcurrency}${reportBatchItemFailures ? ', partial batch failures' : ''}${enabled ? '' : ', disabled'})`,
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
        const parallelizationFactor = Number(props.ParallelizationFactor ?? 1);
        if (!Number.isInteger(parallelizationFactor) || parallelizationFactor < 1 || parallelizationFactor > 10) {
          // Lambda refuses such a mapping, so the deployment would fail.
          throw new Error(
            `event source mapping ${logicalId}: ParallelizationFactor must be a whole number from 1 to 10, got ${props.ParallelizationFactor}`,
          );
        }
        registry.add({ ...describe(batchSize), parallelizationFactor });
        if (!enabled) continue;
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
          parallelizationFactor,
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
          description: `${table.tableName} stream → ${fn.functionName} (batch ${batchSize}, ${props.StartingPosition ?? 'LATEST'}${parallelizationFactor > 1 ? `, ${parallelizationFactor} batches per shard` : ''}${reportBatchItemFailures ? ', partial batch failures' : ''}${destination ? `, failures → ${destination.queueName}` : ''})`,
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

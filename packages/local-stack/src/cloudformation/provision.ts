import type { EmulatorEndpoints } from '../emulators/aws-clients';
import { createDynamoDbClient, createSqsClient } from '../emulators/aws-clients';
import type { IntrinsicResolver } from './intrinsics';
import { provisionQueue, type LocalQueue } from './provision-queue';
import { provisionTable, type LocalTable } from './provision-table';
import { referencedLogicalIds, type CfnTemplate } from './template';

export interface ProvisionedResources {
  tables: Record<string, LocalTable>;
  queues: Record<string, LocalQueue>;
}

const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);

/**
 * Creates the template's tables and queues in the emulators, in dependency order (a DLQ
 * before the queue whose redrive policy names it), and registers what their Ref and
 * Fn::GetAtt return. Every other resource type is not emulated and is left alone.
 */
export async function provisionResources(
  template: CfnTemplate,
  resolver: IntrinsicResolver,
  endpoints: EmulatorEndpoints,
): Promise<ProvisionedResources> {
  const dynamodb = createDynamoDbClient(endpoints);
  const sqs = createSqsClient(endpoints);
  const provisioned = new Map<string, { table: LocalTable } | { queue: LocalQueue }>();
  // Each table and queue is created as soon as those it references are (a DLQ before the queues
  // whose redrive policy names it), the others side by side: one at a time, they took seconds.
  const created = new Map<string, Promise<void>>();
  const provision = async (logicalId: string): Promise<void> => {
    const resource = template.Resources![logicalId]!;
    if (resource.Condition && !resolver.isConditionTrue(resource.Condition)) return;
    if (TABLE_TYPES.has(resource.Type)) {
      const table = await provisionTable(dynamodb, logicalId, resource, resolver);
      provisioned.set(logicalId, { table });
      resolver.register(logicalId, {
        ref: table.tableName,
        attributes: { Arn: table.tableArn, StreamArn: table.streamArn },
      });
    } else if (resource.Type === 'AWS::SQS::Queue') {
      const queue = await provisionQueue(sqs, logicalId, resource, resolver);
      provisioned.set(logicalId, { queue });
      resolver.register(logicalId, {
        ref: queue.queueUrl,
        attributes: { Arn: queue.queueArn, QueueName: queue.queueName, QueueUrl: queue.queueUrl },
      });
    }
  };
  const order = dependencyOrder(template);
  for (const logicalId of order) {
    const dependencies = dependenciesOf(template, logicalId).flatMap((id) => created.get(id) ?? []);
    created.set(
      logicalId,
      Promise.all(dependencies).then(() => provision(logicalId)),
    );
  }
  // Every creation settles before the clients go, also when one failed.
  const results = await Promise.allSettled(created.values());
  dynamodb.destroy();
  sqs.destroy();
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  // In the template's dependency order, whichever finished first.
  const tables: Record<string, LocalTable> = {};
  const queues: Record<string, LocalQueue> = {};
  for (const logicalId of order) {
    const resource = provisioned.get(logicalId);
    if (resource && 'table' in resource) tables[logicalId] = resource.table;
    else if (resource) queues[logicalId] = resource.queue;
  }
  return { tables, queues };
}

/** The logical ids a resource references or names in DependsOn. */
function dependenciesOf(template: CfnTemplate, logicalId: string): string[] {
  const resource = template.Resources?.[logicalId];
  if (!resource) return [];
  const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
  return [...referencedLogicalIds(resource.Properties), ...dependsOn];
}

/** Logical ids ordered so that every resource comes after the resources it references or DependsOn. */
export function dependencyOrder(template: CfnTemplate): string[] {
  const resources = template.Resources ?? {};
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (logicalId: string) => {
    if (state.has(logicalId) || !resources[logicalId]) return; // done, or a cycle / parameter / pseudo parameter
    state.set(logicalId, 'visiting');
    for (const dependency of dependenciesOf(template, logicalId)) visit(dependency);
    state.set(logicalId, 'done');
    ordered.push(logicalId);
  };
  for (const logicalId of Object.keys(resources)) visit(logicalId);
  return ordered;
}

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
  const tables: Record<string, LocalTable> = {};
  const queues: Record<string, LocalQueue> = {};
  try {
    for (const logicalId of dependencyOrder(template)) {
      const resource = template.Resources![logicalId]!;
      if (resource.Condition && !resolver.isConditionTrue(resource.Condition)) continue;
      if (TABLE_TYPES.has(resource.Type)) {
        const table = await provisionTable(dynamodb, logicalId, resource, resolver);
        tables[logicalId] = table;
        resolver.register(logicalId, {
          ref: table.tableName,
          attributes: { Arn: table.tableArn, StreamArn: table.streamArn },
        });
      } else if (resource.Type === 'AWS::SQS::Queue') {
        const queue = await provisionQueue(sqs, logicalId, resource, resolver);
        queues[logicalId] = queue;
        resolver.register(logicalId, {
          ref: queue.queueUrl,
          attributes: { Arn: queue.queueArn, QueueName: queue.queueName, QueueUrl: queue.queueUrl },
        });
      }
    }
  } finally {
    dynamodb.destroy();
    sqs.destroy();
  }
  return { tables, queues };
}

/** Logical ids ordered so that every resource comes after the resources it references or DependsOn. */
export function dependencyOrder(template: CfnTemplate): string[] {
  const resources = template.Resources ?? {};
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (logicalId: string) => {
    if (state.has(logicalId) || !resources[logicalId]) return; // done, or a cycle / parameter / pseudo parameter
    state.set(logicalId, 'visiting');
    const resource = resources[logicalId];
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const dependency of [...referencedLogicalIds(resource.Properties), ...dependsOn]) visit(dependency);
    state.set(logicalId, 'done');
    ordered.push(logicalId);
  };
  for (const logicalId of Object.keys(resources)) visit(logicalId);
  return ordered;
}

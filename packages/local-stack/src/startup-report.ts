import type { LocalFunction } from './lambda/lambda-function';
import type { LocalQueue } from './cloudformation/provision-queue';
import type { LocalTable } from './cloudformation/provision-table';
import type { RestRoute } from './api-gateway/rest-api-routes';
import type { IntrinsicResolver } from './cloudformation/intrinsics';
import type { CfnTemplate } from './cloudformation/template';
import { describeIgnored, type IgnoredInTemplate } from './coverage';

export interface StartupReportInput {
  template: CfnTemplate;
  resolver: IntrinsicResolver;
  tables: Record<string, LocalTable>;
  queues: Record<string, LocalQueue>;
  functions: Record<string, LocalFunction>;
  routes: RestRoute[];
  functionsByArn: Map<string, LocalFunction>;
  eventSources: string[];
  /** One line per AWS::Events::Rule. */
  rules: string[];
  /** What the template holds that is not emulated. */
  ignored: IgnoredInTemplate;
  /** The stage URLs of the WebSocket APIs; default none. */
  webSocketUrls?: string[];
}

/** One line per emulated resource, then what is not emulated, so users see at a glance what the template turned into. */
export function startupReport(input: StartupReportInput): string[] {
  const lines: string[] = [];
  for (const [logicalId, table] of Object.entries(input.tables)) {
    const props = (input.template.Resources?.[logicalId]?.Properties ?? {}) as {
      StreamSpecification?: { StreamViewType?: string };
    };
    const stream = table.streamArn ? ` + stream (${props.StreamSpecification?.StreamViewType ?? 'enabled'})` : '';
    lines.push(`table     ${table.tableName}${stream}`);
  }
  for (const [logicalId, queue] of Object.entries(input.queues)) {
    const props = input.resolver.resolve(input.template.Resources?.[logicalId]?.Properties ?? {}) as {
      VisibilityTimeout?: number;
      RedrivePolicy?: { deadLetterTargetArn?: string; maxReceiveCount?: number };
    };
    const dlq = Object.values(input.queues).find((q) => q.queueArn === props.RedrivePolicy?.deadLetterTargetArn);
    const redrive = dlq ? `, DLQ ${dlq.queueName} after ${props.RedrivePolicy?.maxReceiveCount} receives` : '';
    lines.push(`queue     ${queue.queueName} (visibility ${props.VisibilityTimeout ?? 30} s${redrive})`);
  }
  for (const fn of Object.values(input.functions)) {
    const reserved = fn.reservedConcurrency !== undefined ? `, reserved concurrency ${fn.reservedConcurrency}` : '';
    lines.push(
      `function  ${fn.functionName} (${fn.handler}, timeout ${fn.timeoutSeconds} s, ${fn.memorySize} MB${reserved})`,
    );
  }
  for (const route of input.routes) {
    const integration = route.integration;
    const target =
      integration.type === 'AWS_PROXY'
        ? (input.functionsByArn.get(integration.functionArn)?.functionName ?? integration.functionArn)
        : integration.type === 'MOCK'
          ? `mock ${integration.statusCode}`
          : `${integration.description} (not emulated)`;
    lines.push(
      `route     ${route.httpMethod.padEnd(6)} ${route.resourcePath} → ${target}${route.apiKeyRequired ? ' 🔑' : ''}`,
    );
  }
  for (const url of input.webSocketUrls ?? []) lines.push(`WebSocket API: ${url}`);
  for (const description of input.eventSources) lines.push(`mapping   ${description}`);
  lines.push(...input.rules);
  lines.push(...describeIgnored(input.ignored));
  return lines;
}

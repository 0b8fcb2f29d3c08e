/**
 * List-price cost per million jobs of each type, read from a synthesized CloudFormation template
 * (what the stack really configures: API kind, memory sizes, batch sizes, indexes and their
 * projections, tracing, access logs) plus per-job figures that are measured (`npm run bench`'s
 * output) or, failing that, stated assumptions. Plain functions over plain data: no AWS, no I/O.
 */

import { STATUS_TYPE_SHARD_ATTRIBUTE } from '../../src/aws/dynamodb-job-item';
import { CHANGES_PER_TRANSACTION } from '../../src/jobs/job-counters';

/** us-east-1 list prices (USD), first pricing tier. */
export const US_EAST_1_PRICES = {
  restApiPerMillionRequests: 3.5,
  httpApiPerMillionRequests: 1.0,
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  /** Standard queues; a batch of up to 10 messages (64 KB chunks) is one request. */
  sqsPerMillionRequests: 0.4,
  /** On demand; index writes cost write units too. */
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  logsPerGbIngested: 0.5,
  xRayPerMillionTracesRecorded: 5.0,
} as const;
export type Prices = typeof US_EAST_1_PRICES;

type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };
export interface Template {
  Resources: Record<string, Resource>;
}

export interface FunctionModel {
  logicalId: string;
  memoryMb: number;
  architecture: 'arm64' | 'x86_64';
  tracing: boolean;
  environment: Record<string, unknown>;
}

export interface IndexModel {
  name: string;
  keys: string[];
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  included: string[];
}

export interface TableModel {
  logicalId: string;
  keys: string[];
  indexes: IndexModel[];
  stream: boolean;
}

export interface EventSourceModel {
  functionId: string;
  sourceId: string;
  batchSize: number;
  parallelizationFactor: number;
}

export interface StackModel {
  api: { kind: 'REST' | 'HTTP'; logicalId: string; accessLogs: boolean; executionLogLevel?: string } | undefined;
  /** POST /jobs/{type} → the function it invokes, by job type. */
  submitRoutes: Record<string, string>;
  functions: Record<string, FunctionModel>;
  tables: Record<string, TableModel>;
  queueSources: EventSourceModel[];
  streamSources: EventSourceModel[];
  /**
   * The REST API's Lambda authorizer, if any, and how long API Gateway caches its answers
   * (AuthorizerResultTtlInSeconds; 0: it runs on every request).
   */
  authorizer: { functionId: string; cacheSeconds: number } | undefined;
}

/** The logical id a `Ref` or `Fn::GetAtt` names, if the value is one. */
function referenced(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const object = value as Record<string, unknown>;
  if (typeof object.Ref === 'string') return object.Ref;
  const getAtt = object['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** Every logical id referenced anywhere inside a value. */
function referencesIn(value: unknown, found: string[] = []): string[] {
  const id = referenced(value);
  if (id) found.push(id);
  if (value && typeof value === 'object') for (const child of Object.values(value)) referencesIn(child, found);
  return found;
}

export function readStackModel(template: Template): StackModel {
  const resources = template.Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const props = (resource: Resource) => resource.Properties ?? {};

  const functions: Record<string, FunctionModel> = {};
  for (const [logicalId, resource] of ofType('AWS::Lambda::Function')) {
    const p = props(resource);
    functions[logicalId] = {
      logicalId,
      memoryMb: Number(p.MemorySize ?? 128),
      architecture: (p.Architectures as string[] | undefined)?.[0] === 'arm64' ? 'arm64' : 'x86_64',
      tracing: (p.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active',
      environment: (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    };
  }

  const tables: Record<string, TableModel> = {};
  for (const [logicalId, resource] of ofType('AWS::DynamoDB::Table')) {
    const p = props(resource);
    const keysOf = (schema: unknown) =>
      ((schema as { AttributeName: string }[] | undefined) ?? []).map((k) => k.AttributeName);
    tables[logicalId] = {
      logicalId,
      keys: keysOf(p.KeySchema),
      stream: p.StreamSpecification !== undefined,
      indexes: ((p.GlobalSecondaryIndexes as Record<string, unknown>[] | undefined) ?? []).map((index) => {
        const projection = (index.Projection ?? {}) as {
          ProjectionType?: IndexModel['projection'];
          NonKeyAttributes?: string[];
        };
        return {
          name: String(index.IndexName),
          keys: keysOf(index.KeySchema),
          projection: projection.ProjectionType ?? 'KEYS_ONLY',
          included: projection.NonKeyAttributes ?? [],
        };
      }),
    };
  }

  const queueSources: EventSourceModel[] = [];
  const streamSources: EventSourceModel[] = [];
  for (const [, resource] of ofType('AWS::Lambda::EventSourceMapping')) {
    const p = props(resource);
    const sourceId = referenced(p.EventSourceArn);
    const functionId = referenced(p.FunctionName);
    if (!sourceId || !functionId) continue;
    const isStream = resources[sourceId]?.Type === 'AWS::DynamoDB::Table';
    const model = {
      functionId,
      sourceId,
      batchSize: Number(p.BatchSize ?? (isStream ? 100 : 10)),
      parallelizationFactor: Number(p.ParallelizationFactor ?? 1),
    };
    (isStream ? streamSources : queueSources).push(model);
  }

  // The API: a REST API (AWS::ApiGateway::*) or an HTTP API (AWS::ApiGatewayV2::Api, ProtocolType HTTP).
  let api: StackModel['api'];
  const restApi = ofType('AWS::ApiGateway::RestApi')[0];
  const httpApi = ofType('AWS::ApiGatewayV2::Api').find(([, r]) => props(r).ProtocolType === 'HTTP');
  const submitRoutes: Record<string, string> = {};
  if (restApi) {
    const stage = ofType('AWS::ApiGateway::Stage')[0]?.[1];
    const methodSettings = (stage && (props(stage).MethodSettings as { LoggingLevel?: string }[] | undefined)) ?? [];
    api = {
      kind: 'REST',
      logicalId: restApi[0],
      accessLogs: stage !== undefined && props(stage).AccessLogSetting !== undefined,
      executionLogLevel: methodSettings.find((setting) => setting.LoggingLevel)?.LoggingLevel,
    };
    const pathOf = (resourceId: string | undefined): string => {
      const resource = resourceId ? resources[resourceId] : undefined;
      if (!resource || resource.Type !== 'AWS::ApiGateway::Resource') return '';
      return `${pathOf(referenced(props(resource).ParentId))}/${String(props(resource).PathPart)}`;
    };
    for (const [, method] of ofType('AWS::ApiGateway::Method')) {
      const p = props(method);
      if (p.HttpMethod !== 'POST') continue;
      const match = /^\/jobs\/([a-z][a-z0-9-]*)$/.exec(pathOf(referenced(p.ResourceId)));
      const target = referencesIn(p.Integration).find((id) => functions[id]);
      if (match?.[1] && target) submitRoutes[match[1]] = target;
    }
  } else if (httpApi) {
    const stage = ofType('AWS::ApiGatewayV2::Stage')[0]?.[1];
    api = {
      kind: 'HTTP',
      logicalId: httpApi[0],
      accessLogs: stage !== undefined && props(stage).AccessLogSettings !== undefined,
    };
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      const match = /^POST \/jobs\/([a-z][a-z0-9-]*)$/.exec(String(props(route).RouteKey));
      const integration = resources[referencesIn(props(route).Target)[0] ?? ''];
      const target = integration
        ? referencesIn(props(integration).IntegrationUri).find((id) => functions[id])
        : undefined;
      if (match?.[1] && target) submitRoutes[match[1]] = target;
    }
  }
  const authorizerResource = ofType('AWS::ApiGateway::Authorizer')[0]?.[1];
  const authorizerFunction = authorizerResource
    ? referencesIn(props(authorizerResource).AuthorizerUri).find((id) => functions[id])
    : undefined;
  const authorizer =
    authorizerResource && authorizerFunction
      ? {
          functionId: authorizerFunction,
          // API Gateway's default is 300 s when the property is absent.
          cacheSeconds: Number(props(authorizerResource).AuthorizerResultTtlInSeconds ?? 300),
        }
      : undefined;
  return { api, submitRoutes, functions, tables, queueSources, streamSources, authorizer };
}

/** DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers ~1 byte per 2 digits, containers +3 bytes). */
export function dynamoDbItemBytes(item: Record<string, unknown>): number {
  const valueBytes = (value: unknown): number => {
    if (value === null || value === undefined) return 1;
    if (typeof value === 'string') return Buffer.byteLength(value);
    if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
    if (typeof value === 'boolean') return 1;
    if (Array.isArray(value)) return 3 + value.reduce((sum: number, element) => sum + 1 + valueBytes(element), 0);
    if (typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      // A raw AttributeValue ({S: "…"}, {N: "…"}, {M: {…}}, {L: […]}) counts as its content.
      if (entries.length === 1 && ['S', 'N', 'BOOL', 'NULL', 'M', 'L'].includes(entries[0]![0])) {
        const [kind, content] = entries[0]!;
        if (kind === 'N') return valueBytes(Number(content));
        if (kind === 'M') return 3 + dynamoDbItemBytes(content as Record<string, unknown>);
        return valueBytes(content);
      }
      return 3 + dynamoDbItemBytes(value as Record<string, unknown>) + entries.length;
    }
    return 0;
  };
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

/** Per-job inputs that are measured or assumed rather than read from the template. */
export interface JobFigures {
  /** Size of the job's item (bytes) as stored, the largest it gets (completed, history included). */
  itemBytes: number;
  /** Function run time per job (ms), excluding init; consumers and the notifier per record. */
  durationMs: { submit: number; consumer: number; notifierPerRecord: number; authorizer: number };
  /** Init duration (ms) of a cold start, and the share of invocations that start cold. */
  initMs: number;
  coldStartShare: number;
  /** Bytes the functions log per job (JSON logs and EMF metrics), platform lines excluded. */
  functionLogBytesPerJob: number;
  /** Lambda's START/END/REPORT lines per invocation (bytes). */
  platformLogBytesPerInvocation: number;
  /** One API Gateway access-log line (bytes), when access logs are on. */
  accessLogBytesPerRequest: number;
  /** Share of requests X-Ray samples (default rule: 1 per second, then 5 %). */
  tracedShare: number;
  /** Share of each event source batch that is filled (1 = full batches at sustained load). */
  batchFill: number;
}

export const ASSUMED_FIGURES: JobFigures = {
  itemBytes: 1000,
  durationMs: { submit: 20, consumer: 15, notifierPerRecord: 3, authorizer: 5 },
  initMs: 300,
  coldStartShare: 0.01,
  functionLogBytesPerJob: 1500,
  platformLogBytesPerInvocation: 350,
  accessLogBytesPerRequest: 350,
  tracedShare: 0.05,
  batchFill: 1,
};

export interface CostLine {
  service: 'API Gateway' | 'Lambda' | 'SQS' | 'DynamoDB' | 'CloudWatch Logs' | 'X-Ray';
  item: string;
  /** Billed units per job (requests, GB-s, write units…). */
  perJob: number;
  unit: string;
  /** USD per million jobs. */
  perMillionJobs: number;
}

export interface JobTypeCost {
  type: string;
  lines: CostLine[];
  totalPerMillionJobs: number;
  /** The same total with an HTTP API in place of the REST API (or the REST total for an HTTP API). */
  totalWithHttpApi: number;
}

/** What the claim and the completion change in a job's item (the status-keyed index key moves with the status). */
const CHANGED_BY_UPDATES = new Set([
  'status',
  STATUS_TYPE_SHARD_ATTRIBUTE,
  'version',
  'updatedAt',
  'attempts',
  'leaseUntil',
  'history',
  'result',
]);

/** A write's units in the table and each index: 1 unit per KB (rounded up) of the item or index entry. */
function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/**
 * One job of `type` on its success path, with no retries: submit (conditional put), the consumer's
 * consistent read, claim and complete (each an update changing `status`), and TTL's removal later
 * (free in DynamoDB, but one more stream record for the notifier).
 */
export function costPerJob(
  model: StackModel,
  type: string,
  figures: JobFigures,
  prices: Prices = US_EAST_1_PRICES,
): JobTypeCost {
  const lines: CostLine[] = [];
  const add = (line: Omit<CostLine, 'perMillionJobs'> & { price: number }) =>
    lines.push({
      service: line.service,
      item: line.item,
      perJob: line.perJob,
      unit: line.unit,
      perMillionJobs: line.perJob * line.price * 1e6,
    });

  const submitId = model.submitRoutes[type];
  if (!submitId)
    throw new Error(
      `no POST /jobs/${type} route in the template (known: ${Object.keys(model.submitRoutes).join(', ')})`,
    );
  const consumer = model.queueSources.find(
    (source) => model.functions[source.functionId]?.environment.JOB_TYPE === type,
  );
  if (!consumer) throw new Error(`no queue event source for a function with JOB_TYPE=${type}`);
  const table = Object.values(model.tables).find(
    (t) => t.stream && model.streamSources.some((s) => s.sourceId === t.logicalId),
  );
  if (!table) throw new Error('no table with a stream read by a function (the jobs table)');
  // Every reader of the jobs table's stream (the notifier, the stream counters) is billed per record.
  const streamReaders = model.streamSources.filter((source) => source.sourceId === table.logicalId);
  const notifier = streamReaders[0]!;
  // Uncached, the authorizer runs for every request; cached, once per token and route per TTL.
  const authorizerRuns = model.authorizer && model.authorizer.cacheSeconds === 0 ? 1 : 0;

  // API Gateway: the submit request.
  const apiPrice = model.api?.kind === 'HTTP' ? prices.httpApiPerMillionRequests : prices.restApiPerMillionRequests;
  add({
    service: 'API Gateway',
    item: `${model.api?.kind ?? 'REST'} API request (POST /jobs/${type})`,
    perJob: 1,
    unit: 'requests',
    price: apiPrice / 1e6,
  });

  // Lambda: requests and GB-s (init included, for the share of invocations that start cold).
  const writes = 3; // put, claim, complete
  const streamRecords = writes + 1; // + TTL's REMOVE
  const consumerBatch = Math.max(1, consumer.batchSize * figures.batchFill);
  const notifierBatch = Math.max(1, notifier.batchSize * figures.batchFill);
  /** [name, function, invocations per job, items per invocation, ms per item] */
  const invocations: [string, FunctionModel, number, number, number][] = [
    ['submit', model.functions[submitId]!, 1, 1, figures.durationMs.submit],
    [
      `${type} consumer`,
      model.functions[consumer.functionId]!,
      1 / consumerBatch,
      consumerBatch,
      figures.durationMs.consumer,
    ],
    ...streamReaders.map((reader, index): [string, FunctionModel, number, number, number] => [
      index === 0 ? 'notifier (stream)' : `stream reader ${reader.functionId}`,
      model.functions[reader.functionId]!,
      streamRecords / Math.max(1, reader.batchSize * figures.batchFill),
      Math.max(1, reader.batchSize * figures.batchFill),
      figures.durationMs.notifierPerRecord,
    ]),
    ...(authorizerRuns > 0
      ? [
          [
            'authorizer (uncached: every request)',
            model.functions[model.authorizer!.functionId]!,
            authorizerRuns,
            1,
            figures.durationMs.authorizer,
          ] as [string, FunctionModel, number, number, number],
        ]
      : []),
  ];
  let invocationsPerJob = 0;
  for (const [name, fn, perJob, items, msPerItem] of invocations) {
    invocationsPerJob += perJob;
    add({
      service: 'Lambda',
      item: `${name} requests`,
      perJob,
      unit: 'requests',
      price: prices.lambdaPerMillionRequests / 1e6,
    });
    const billedMs = Math.ceil(items * msPerItem) + figures.coldStartShare * figures.initMs;
    add({
      service: 'Lambda',
      item: `${name} compute (${fn.memoryMb} MB ${fn.architecture}, ${items > 1 ? `${items} × ` : ''}${Math.round(msPerItem)} ms + ${(figures.coldStartShare * 100).toFixed(0)} % × ${Math.round(figures.initMs)} ms init)`,
      perJob: perJob * (fn.memoryMb / 1024) * (billedMs / 1000),
      unit: 'GB-s',
      price: prices.lambdaPerGbSecond[fn.architecture],
    });
  }

  // SQS: one send; the event source's receive and batch delete are shared by a batch.
  add({
    service: 'SQS',
    item: 'SendMessage (submit)',
    perJob: 1,
    unit: 'requests',
    price: prices.sqsPerMillionRequests / 1e6,
  });
  add({
    service: 'SQS',
    item: `ReceiveMessage + DeleteMessageBatch (batch ${consumer.batchSize})`,
    perJob: 2 / Math.min(10, consumerBatch),
    unit: 'requests',
    price: prices.sqsPerMillionRequests / 1e6,
  });

  // DynamoDB: writes to the table and to each index the write touches; reads.
  const tableUnits = writeUnits(figures.itemBytes);
  add({
    service: 'DynamoDB',
    item: `table writes (${writes} × ${tableUnits} unit, ${figures.itemBytes} B item)`,
    perJob: writes * tableUnits,
    unit: 'write units',
    price: prices.dynamoDbPerMillionWriteUnits / 1e6,
  });
  for (const index of table.indexes) {
    const entryBytes =
      index.projection === 'ALL'
        ? figures.itemBytes
        : index.projection === 'INCLUDE'
          ? Math.min(figures.itemBytes, 100 + 100 * index.included.length)
          : 100;
    // The put creates the entry; an update changing a key attribute deletes and re-creates it (2
    // writes); one changing only projected attributes rewrites it (1); otherwise nothing.
    const perUpdate = index.keys.some((key) => CHANGED_BY_UPDATES.has(key))
      ? 2
      : index.projection === 'ALL' || index.included.some((name) => CHANGED_BY_UPDATES.has(name))
        ? 1
        : 0;
    const entryWrites = 1 + (writes - 1) * perUpdate;
    const units = entryWrites * writeUnits(entryBytes);
    add({
      service: 'DynamoDB',
      item: `index ${index.name} (${index.keys.join(', ')}; ${index.projection}) writes: ${entryWrites} × ${writeUnits(entryBytes)} unit`,
      perJob: units,
      unit: 'write units',
      price: prices.dynamoDbPerMillionWriteUnits / 1e6,
    });
  }
  if (authorizerRuns > 0)
    add({
      service: 'DynamoDB',
      item: "authorizer's token lookup (consistent GetItem per request)",
      perJob: authorizerRuns,
      unit: 'read units',
      price: prices.dynamoDbPerMillionReadUnits / 1e6,
    });
  // The stream counters (a stream reader writing the counters table): each transaction of up to
  // 20 changes writes a marker per change (at most: changes of one job in a transaction share
  // one), the counts it moves (at most the success path's three statuses) and one per-minute item;
  // a transactional write costs 2 units per item (each under 1 KB). The markers are read first
  // with a consistent BatchGetItem: 1 read unit each.
  for (const reader of streamReaders.filter(
    (r) => 'COUNTERS_TABLE_NAME' in model.functions[r.functionId]!.environment,
  )) {
    const perTransaction = Math.min(CHANGES_PER_TRANSACTION, Math.max(1, reader.batchSize * figures.batchFill));
    const itemsPerTransaction = perTransaction + Math.min(2 * perTransaction, 3) + 1;
    add({
      service: 'DynamoDB',
      item: `stream counters' transactional writes (${itemsPerTransaction} items × 2 units per ${perTransaction} changes)`,
      perJob: (streamRecords / perTransaction) * itemsPerTransaction * 2,
      unit: 'write units',
      price: prices.dynamoDbPerMillionWriteUnits / 1e6,
    });
    add({
      service: 'DynamoDB',
      item: "stream counters' marker reads (consistent BatchGetItem, 1 unit per change)",
      perJob: streamRecords,
      unit: 'read units',
      price: prices.dynamoDbPerMillionReadUnits / 1e6,
    });
  }
  // No read before the claim: a first attempt is claimed in one conditional write. A job nobody
  // follows has no waiter or subscriber lookup of its own; the filter subscriptions' four keys per
  // status are looked up once per stream batch, shared by every job of the type in it.
  const filterQueries = (4 * streamRecords) / Math.max(1, notifierBatch / streamRecords);
  add({
    service: 'DynamoDB',
    item: `notifier subscription lookups (4 consistent Query per status per batch of ${notifierBatch} records)`,
    perJob: filterQueries,
    unit: 'read units',
    price: prices.dynamoDbPerMillionReadUnits / 1e6,
  });
  add({ service: 'DynamoDB', item: 'stream reads by Lambda', perJob: 0, unit: 'requests (free)', price: 0 });

  // CloudWatch Logs: the functions' own lines, the platform's lines, the API's access log.
  const logBytes =
    figures.functionLogBytesPerJob +
    invocationsPerJob * figures.platformLogBytesPerInvocation +
    (model.api?.accessLogs ? figures.accessLogBytesPerRequest : 0);
  add({
    service: 'CloudWatch Logs',
    item: `ingestion (${Math.round(figures.functionLogBytesPerJob)} B function logs + platform lines${model.api?.accessLogs ? ' + access log' : ''})`,
    perJob: logBytes / 1024 ** 3,
    unit: 'GB',
    price: prices.logsPerGbIngested,
  });

  // X-Ray: traces recorded for the sampled share of submits (the consumer's segment joins the trace).
  if (model.functions[submitId]!.tracing)
    add({
      service: 'X-Ray',
      item: `traces recorded (${(figures.tracedShare * 100).toFixed(0)} % sampled)`,
      perJob: figures.tracedShare,
      unit: 'traces',
      price: prices.xRayPerMillionTracesRecorded / 1e6,
    });

  const total = lines.reduce((sum, line) => sum + line.perMillionJobs, 0);
  const apiLine = lines[0]!.perMillionJobs;
  const otherApiPrice =
    model.api?.kind === 'HTTP' ? prices.restApiPerMillionRequests : prices.httpApiPerMillionRequests;
  return { type, lines, totalPerMillionJobs: total, totalWithHttpApi: total - apiLine + otherApiPrice };
}

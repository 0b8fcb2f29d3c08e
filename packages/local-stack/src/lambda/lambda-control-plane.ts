import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, type LoopbackServer } from '../loopback-server';
import { isLoopbackHost } from '../loopback-host.mjs';
import type { EventSourceMappingRegistry, LocalEventSourceMapping } from '../event-sources/event-source-mappings';

/** `url` is for AWS_ENDPOINT_URL_LAMBDA. */
export type RunningLambdaControlPlane = LoopbackServer;

const MAPPINGS_PATH = '/2015-03-31/event-source-mappings';

/**
 * The part of the Lambda API that applications call at run time on event source mappings:
 * GetEventSourceMapping, ListEventSourceMappings and UpdateEventSourceMapping (its Enabled flag,
 * which pauses and resumes an SQS mapping's pollers), in the SDK's REST-JSON protocol, on its own
 * loopback port. Other settings of UpdateEventSourceMapping are refused rather than ignored.
 */
export async function startLambdaControlPlane(
  mappings: EventSourceMappingRegistry,
  log: (line: string) => void,
): Promise<RunningLambdaControlPlane> {
  const server = createServer((req, res) => {
    handle(req, res, mappings).catch((error: unknown) => {
      log(`Lambda control plane: ${(error as Error).message}`);
      reply(res, 500, { Type: 'Service', Message: 'Internal server error' }, 'ServiceException');
    });
  });
  return listenOnLoopback(server);
}

async function handle(req: IncomingMessage, res: ServerResponse, mappings: EventSourceMappingRegistry): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (!isLoopbackHost(req.headers.host)) return reply(res, 421, { Message: 'Misdirected request' });
  const invalid = (message: string) => reply(res, 400, { Type: 'User', message }, 'InvalidParameterValueException');
  let body: Record<string, unknown>;
  try {
    const text = Buffer.concat(chunks).toString('utf8');
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return invalid('Malformed JSON');
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/$/, '');
  if (path === MAPPINGS_PATH && method === 'GET') {
    const source = url.searchParams.get('EventSourceArn');
    const fn = url.searchParams.get('FunctionName');
    const listed = mappings
      .all()
      .filter((m) => (!source || m.eventSourceArn === source) && (!fn || matchesFunction(m, fn)));
    return reply(res, 200, { EventSourceMappings: listed.map(describe) });
  }
  if (!path.startsWith(`${MAPPINGS_PATH}/`))
    return reply(
      res,
      404,
      { Type: 'User', message: `${method} ${url.pathname} is not emulated` },
      'ResourceNotFoundException',
    );
  const uuid = decodeURIComponent(path.slice(MAPPINGS_PATH.length + 1));
  const mapping = mappings.get(uuid);
  if (!mapping)
    return reply(
      res,
      404,
      { Type: 'User', Message: `The resource you requested does not exist. (Service: Lambda, UUID: ${uuid})` },
      'ResourceNotFoundException',
    );
  if (method === 'GET') return reply(res, 200, describe(mapping));
  if (method !== 'PUT') return reply(res, 405, { Type: 'User', message: `${method} is not allowed` });

  const unsupported = Object.keys(body).filter((key) => key !== 'Enabled' && key !== 'FunctionName');
  if (unsupported.length > 0) return invalid(`Changing ${unsupported.join(', ')} is not emulated locally`);
  if (body.Enabled === undefined) return reply(res, 202, describe(mapping));
  if (typeof body.Enabled !== 'boolean') return invalid('Enabled must be a boolean');
  // Locally a change while another is taking effect supersedes it (Disabling lasts up to 20 s here).
  const enabled = mapping.state === 'Enabled' || mapping.state === 'Enabling';
  if (body.Enabled !== enabled) {
    if (!mapping.setEnabled) return invalid('Enabling or disabling this kind of event source is not emulated locally');
    void mapping.setEnabled(body.Enabled);
  }
  return reply(res, 202, describe(mapping));
}

function matchesFunction(mapping: LocalEventSourceMapping, reference: string): boolean {
  return mapping.functionArn === reference || mapping.functionArn.endsWith(`:function:${reference}`);
}

/** EventSourceMappingConfiguration, as the SDK parses it (timestamps in epoch seconds). */
function describe(mapping: LocalEventSourceMapping): Record<string, unknown> {
  return {
    UUID: mapping.uuid,
    EventSourceArn: mapping.eventSourceArn,
    FunctionArn: mapping.functionArn,
    BatchSize: mapping.batchSize,
    MaximumBatchingWindowInSeconds: mapping.maximumBatchingWindowInSeconds,
    FunctionResponseTypes: mapping.functionResponseTypes,
    ...(mapping.parallelizationFactor !== undefined ? { ParallelizationFactor: mapping.parallelizationFactor } : {}),
    ...(mapping.maximumConcurrency !== undefined
      ? { ScalingConfig: { MaximumConcurrency: mapping.maximumConcurrency } }
      : {}),
    State: mapping.state,
    StateTransitionReason: 'USER_INITIATED',
    LastModified: mapping.lastModified / 1000,
  };
}

function reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  res.end(payload);
}

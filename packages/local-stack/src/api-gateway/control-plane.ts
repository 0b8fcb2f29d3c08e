import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, type LoopbackServer } from '../loopback-server';
import { isLoopbackHost } from '../loopback-host.mjs';
import type { ApiKeyRecord, UsagePlans } from './usage-plans';

/** `url` is for AWS_ENDPOINT_URL_API_GATEWAY. */
export type RunningControlPlane = LoopbackServer;

/**
 * The part of API Gateway's control plane that applications call at run time: API keys and usage
 * plan keys (CreateApiKey, GetApiKey, DeleteApiKey, GetUsagePlans, CreateUsagePlanKey), in
 * the SDK's REST-JSON protocol, on its own loopback port. Keys created here are metered by the
 * API server's usage plans at once.
 */
export async function startControlPlane(plans: UsagePlans, log: (line: string) => void): Promise<RunningControlPlane> {
  const server = createServer((req, res) => {
    handle(req, res, plans).catch((error: unknown) => {
      log(`API Gateway control plane: ${(error as Error).message}`);
      reply(res, 500, { message: 'Internal server error' }, 'InternalServerErrorException');
    });
  });
  return listenOnLoopback(server);
}

async function handle(req: IncomingMessage, res: ServerResponse, plans: UsagePlans): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (!isLoopbackHost(req.headers.host))
    return reply(res, 421, { message: 'Misdirected request' }, 'BadRequestException');
  const text = Buffer.concat(chunks).toString('utf8');
  let body: Record<string, unknown>;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return reply(res, 400, { message: 'Malformed JSON' }, 'BadRequestException');
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const notFound = (what: string) =>
    reply(res, 404, { message: `Invalid ${what} identifier specified` }, 'NotFoundException');

  if (segments[0] === 'apikeys' && segments.length === 1 && method === 'POST') {
    const value = typeof body.value === 'string' ? body.value : undefined;
    if (value !== undefined && value.length < 20)
      return reply(res, 400, { message: 'API Key value should be at least 20 characters' }, 'BadRequestException');
    const key = plans.createKey({
      name: typeof body.name === 'string' ? body.name : undefined,
      value,
      enabled: body.enabled === true,
    });
    return reply(res, 201, describeKey(key, true));
  }
  if (segments[0] === 'apikeys' && segments.length === 2) {
    const key = plans.keys.get(segments[1]!);
    if (!key) return notFound('API Key');
    if (method === 'GET') return reply(res, 200, describeKey(key, url.searchParams.get('includeValue') === 'true'));
    if (method === 'DELETE') {
      plans.deleteKey(key.id);
      return reply(res, 202, undefined);
    }
  }
  if (segments[0] === 'usageplans' && segments.length === 1 && method === 'GET') {
    const items = [...plans.plans.values()].map((plan) => ({
      id: plan.id,
      name: plan.name,
      apiStages: plan.stages.map((stage) => ({ apiId: stage.apiId, stage: stage.stage })),
      ...(plan.throttle ? { throttle: plan.throttle } : {}),
      ...(plan.quota ? { quota: plan.quota } : {}),
    }));
    return reply(res, 200, { item: items });
  }
  if (segments[0] === 'usageplans' && segments[2] === 'keys' && segments.length === 3 && method === 'POST') {
    const planId = segments[1]!;
    const keyId = String(body.keyId ?? '');
    if (!plans.plans.has(planId)) return notFound('Usage Plan');
    const key = plans.keys.get(keyId);
    if (!key || !plans.addCreatedPlanKey(planId, keyId)) return notFound('API Key');
    return reply(res, 201, { id: key.id, type: 'API_KEY', name: key.name, value: key.value });
  }
  return reply(res, 404, { message: `${method} ${url.pathname} is not emulated` }, 'NotFoundException');
}

function describeKey(key: ApiKeyRecord, includeValue: boolean): Record<string, unknown> {
  return {
    id: key.id,
    name: key.name,
    enabled: key.enabled,
    createdDate: Math.floor(key.createdDate / 1000),
    lastUpdatedDate: Math.floor(key.createdDate / 1000),
    stageKeys: [],
    ...(includeValue ? { value: key.value } : {}),
  };
}

function reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  res.end(payload);
}

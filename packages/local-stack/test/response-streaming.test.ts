/**
 * Lambda response streaming behind a REST API STREAM integration, on handlers written to a
 * temporary folder (no emulators): the worker's `awslambda` globals, the metadata prelude, chunks
 * reaching the HTTP client as they are written, one environment held per stream, timeouts and
 * handlers that break the runtime's rules. Also how the template's integrations are read.
 */
import { registerRestApiIds, readRestApis, type RestRoute } from '../src/api-gateway/rest-api-routes';
import { startRestApiServer, type RunningRestApiServer } from '../src/api-gateway/rest-api-server';
import type { CfnTemplate } from '../src/cloudformation/template';
import { IntrinsicResolver } from '../src/cloudformation/intrinsics';
import type { LocalFunction } from '../src/lambda/lambda-function';
import { handlerFixture } from './helpers';

const STREAMING_HANDLER = `
// As bundled libraries do (the invoke store): the runtime's global is writable and kept.
globalThis.awslambda = globalThis.awslambda || {};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const mode = event.queryStringParameters?.mode ?? 'ok';
  if (mode === 'no-prelude') {
    responseStream.write('raw bytes');
    responseStream.end();
    return;
  }
  if (mode === 'slow-start') await sleep(2_000);
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201,
    headers: { 'Content-Type': 'text/plain', 'X-Probe': 'streamed' },
  });
  out.write('first\\n');
  await sleep(Number(event.queryStringParameters?.holdMs ?? 300));
  if (mode === 'hang') await new Promise(() => {});
  out.write('second\\n');
  if (mode === 'unfinished') return;
  out.end('last\\n');
});
`;
const BUFFERED_HANDLER = `export async function handler() { return { statusCode: 200, body: 'buffered' }; }`;

const servers: RunningRestApiServer[] = [];
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:streamer';

const localFunction = handlerFixture(
  { 'stream.mjs': STREAMING_HANDLER, 'buffered.mjs': BUFFERED_HANDLER },
  { logicalId: 'Streamer', functionName: 'streamer', handler: 'stream.handler' },
);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(fn: LocalFunction, timeoutMs = 10_000): Promise<{ url: string; log: string[] }> {
  const route: RestRoute = {
    apiId: 'api',
    stageName: 'prod',
    resourceId: 'r',
    resourcePath: '/stream',
    httpMethod: 'GET',
    apiKeyRequired: false,
    integration: { type: 'AWS_PROXY', functionArn: ARN, timeoutMs, transferMode: 'STREAM' },
  };
  const log: string[] = [];
  const server = await startRestApiServer({
    port: 0,
    apis: { routes: [route], gatewayResponses: new Map(), models: [] },
    functionsByArn: new Map([[ARN, fn]]),
    apiKeys: [],
    log: (line) => log.push(line),
  });
  servers.push(server);
  return { url: `${server.url}/stream`, log };
}

/** Reads the body chunk by chunk; rejects if the connection is cut before its end. */
async function readAll(response: Response, onChunk: (text: string) => void = () => {}): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    const chunk = decoder.decode(value, { stream: true });
    onChunk(chunk);
    text += chunk;
  }
}

describe('STREAM integrations', () => {
  it('sends the prelude status and headers, then each chunk as the handler writes it, chunked', async () => {
    const { url } = await serve(localFunction());
    const response = await fetch(url);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-probe')).toBe('streamed');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const chunks: string[] = [];
    expect(await readAll(response, (chunk) => chunks.push(chunk))).toBe('first\nsecond\nlast\n');
    // The first chunk arrived while the handler still held (300 ms) before writing the second.
    expect(chunks[0]).toBe('first\n');
  });

  it('holds one execution environment per stream for its whole life', async () => {
    const fn = localFunction({ reservedConcurrency: 1 });
    const { url } = await serve(fn);
    const first = await fetch(`${url}?holdMs=1500`);
    expect(first.status).toBe(201);
    expect(fn.environmentCount).toEqual({ busy: 1, idle: 0 });
    // The only environment is busy streaming: API Gateway answers Lambda's throttle with a 500.
    expect((await fetch(url)).status).toBe(500);
    expect(await readAll(first)).toBe('first\nsecond\nlast\n');
  });

  it('cuts the connection when the function times out mid-stream, and discards that environment', async () => {
    const fn = localFunction({ timeoutSeconds: 1 });
    const { url, log } = await serve(fn);
    const response = await fetch(`${url}?mode=hang`);
    expect(response.status).toBe(201);
    await expect(readAll(response)).rejects.toThrow();
    expect(log.join('\n')).toMatch(/Task timed out after 1\.00 seconds/);
    expect(fn.environmentCount).toEqual({ busy: 0, idle: 0 });
  });

  it('answers 504 when the integration times out before the prelude', async () => {
    const { url } = await serve(localFunction(), 500);
    expect((await fetch(`${url}?mode=slow-start`)).status).toBe(504);
  });

  it('cuts the connection when the handler returns without ending its stream', async () => {
    const { url, log } = await serve(localFunction());
    const response = await fetch(`${url}?mode=unfinished`);
    await expect(readAll(response)).rejects.toThrow();
    expect(log.join('\n')).toMatch(/Response stream is not finished/);
  });

  it('answers 502 for a stream without the prelude, and for a handler that does not stream', async () => {
    const streaming = await serve(localFunction());
    expect((await fetch(`${streaming.url}?mode=no-prelude`)).status).toBe(502);
    expect(streaming.log.join('\n')).toMatch(/without a response prelude/);
    const buffered = await serve(localFunction({ handler: 'buffered.handler' }));
    expect((await fetch(buffered.url)).status).toBe(502);
  });

  it('answers a plain Invoke of a streaming function with everything it wrote', async () => {
    const fn = localFunction({ handler: 'stream.handler' });
    const result = (await fn.invoke({ queryStringParameters: { mode: 'no-prelude' } })) as string;
    expect(result).toBe('raw bytes');
  });
});

describe('reading STREAM integrations from the template', () => {
  const template = (mode: string | undefined, action: string): CfnTemplate => ({
    Resources: {
      Api: { Type: 'AWS::ApiGateway::RestApi' },
      Method: {
        Type: 'AWS::ApiGateway::Method',
        Properties: {
          RestApiId: { Ref: 'Api' },
          ResourceId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] },
          HttpMethod: 'GET',
          Integration: {
            Type: 'AWS_PROXY',
            ...(mode ? { ResponseTransferMode: mode } : {}),
            TimeoutInMillis: 300_000,
            Uri: `arn:aws:apigateway:eu-west-1:lambda:path/${action === 'invocations' ? '2015-03-31' : '2021-11-15'}/functions/${ARN}/${action}`,
          },
        },
      },
    },
  });
  const integrationOf = (t: CfnTemplate) => {
    const resolver = new IntrinsicResolver(t, { stackName: 'S', region: 'eu-west-1', accountId: '0' });
    registerRestApiIds(t, resolver);
    return readRestApis(t, resolver).routes[0]?.integration;
  };

  it('reads ResponseTransferMode STREAM with the response-streaming-invocations URI, and its timeout', () => {
    expect(integrationOf(template('STREAM', 'response-streaming-invocations'))).toEqual({
      type: 'AWS_PROXY',
      functionArn: ARN,
      timeoutMs: 300_000,
      transferMode: 'STREAM',
    });
    expect(integrationOf(template(undefined, 'invocations'))).toMatchObject({ transferMode: 'BUFFERED' });
  });

  it('refuses a transfer mode paired with the other mode’s invocation URI, as API Gateway does', () => {
    expect(integrationOf(template('STREAM', 'invocations'))).toMatchObject({ type: 'UNSUPPORTED' });
    expect(integrationOf(template(undefined, 'response-streaming-invocations'))).toMatchObject({
      type: 'UNSUPPORTED',
    });
  });
});

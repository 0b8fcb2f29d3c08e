import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isLoopbackHost } from '../../packages/local-stack/src/loopback-host.mjs';

/**
 * The running local stack (test/support/global-setup.mjs) as a hostile web page or a machine on
 * the network would see it: the API server and fauxqs listen on loopback only and refuse foreign
 * Host names; DynamoDB Local, which cannot be bound, grants CORS to no real origin.
 */
const api = new URL(process.env.JOBS_API_URL ?? '');
const sqs = new URL(process.env.AWS_ENDPOINT_URL_SQS ?? '');
const dynamodb = new URL(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '');

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http rather than fetch: fetch will not send a Host header of our choosing. */
function send(
  url: URL,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const sqsCall = (headers: Record<string, string> = {}) =>
  send(sqs, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues', ...headers },
    body: '{}',
  });

/** Resolves 'refused' or 'connected' for a TCP connection to address:port. */
function tryConnect(address: string, port: number): Promise<'refused' | 'connected'> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error),
    );
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`connecting to ${address}:${port} timed out`));
    });
  });
}

/** The local addresses this machine listens on for a TCP port, from /proc/net/tcp{,6} (Linux). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter(([, local, , state]) => state === '0A' && local?.endsWith(`:${hexPort}`))
      .map(([, local]) => local!.split(':')[0]!),
  );
}
const IPV4_LOOPBACK_HEX = '0100007F';
const onLinux = process.platform === 'linux' ? it : it.skip;
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && !address.internal && address.family === 'IPv4')?.address;
const withExternalAddress = externalAddress ? it : it.skip;

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'localhost:3000',
    'LOCALHOST',
    'sqs.us-east-1.localhost:4566',
    '127.0.0.1:80',
    '127.1.2.3',
    '[::1]:3000',
    'localhost.',
  ])('accepts %s', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each([
    undefined,
    '',
    'evil.example',
    'localhost.evil.example',
    '127.0.0.1.evil.example',
    '192.0.2.2:3000',
    '[::2]',
    'evil.example:3000',
  ])('refuses %p', (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe('the API server', () => {
  it('refuses a request whose Host is not a loopback name with a 421 problem', async () => {
    const response = await send(api, { path: '/health', headers: { host: `evil.example:${api.port}` } });
    expect(response.status).toBe(421);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({ status: 421, title: 'Misdirected request' });
  });

  it('answers the same request addressed to localhost', async () => {
    const response = await send(api, { path: '/health', headers: { host: `localhost:${api.port}` } });
    expect(response.status).toBe(200);
  });

  it('refuses /_local/ admin routes without the x-local-admin header', async () => {
    const response = await send(api, { method: 'POST', path: '/_local/rules/no-such-rule/fire' });
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({ status: 403, title: 'Local admin header required' });
    const withHeader = await send(api, {
      method: 'POST',
      path: '/_local/rules/no-such-rule/fire',
      headers: { 'x-local-admin': '1' },
    });
    expect(withHeader.status).toBe(404);
  });

  it("grants a cross-site page's preflight for /_local/ nothing", async () => {
    const preflight = await send(api, {
      method: 'OPTIONS',
      path: '/_local/rules/no-such-rule/fire',
      headers: {
        origin: 'http://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-local-admin',
      },
    });
    expect(preflight.status).toBe(403);
    expect(Object.keys(preflight.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  onLinux('listens on 127.0.0.1 only', () => {
    expect(listeningAddresses(Number(api.port))).toEqual([IPV4_LOOPBACK_HEX]);
  });

  withExternalAddress("is not reachable on this machine's network address", async () => {
    expect(await tryConnect(externalAddress!, Number(api.port))).toBe('refused');
  });
});

describe('fauxqs', () => {
  it('answers an SDK-style call addressed to a loopback name', async () => {
    expect((await sqsCall()).status).toBe(200);
    expect((await sqsCall({ host: `sqs.us-east-1.localhost:${sqs.port}` })).status).toBe(200);
  });

  it('refuses a request whose Host is not a loopback name', async () => {
    expect((await sqsCall({ host: `evil.example:${sqs.port}` })).status).toBe(421);
  });

  it('refuses any request from a web page (one with an Origin), such as a cross-site form post', async () => {
    const response = await send(sqs, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=CreateTopic&Name=planted',
    });
    expect(response.status).toBe(403);
  });

  onLinux('listens on 127.0.0.1 only', () => {
    expect(listeningAddresses(Number(sqs.port))).toEqual([IPV4_LOOPBACK_HEX]);
  });

  withExternalAddress("is not reachable on this machine's network address", async () => {
    expect(await tryConnect(externalAddress!, Number(sqs.port))).toBe('refused');
  });
});

describe('DynamoDB Local', () => {
  const listTables = (origin: string) =>
    send(dynamodb, {
      method: 'POST',
      headers: {
        origin,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });

  it("grants a web page's CORS preflight no origin", async () => {
    const preflight = await send(dynamodb, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target,authorization',
      },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets no web page read an answer (no Access-Control-Allow-Origin), though SDK calls work', async () => {
    const response = await listTables('http://evil.example');
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  // The known gap, kept visible: DynamoDB Local has no bind option. If this starts failing, it can
  // be bound to loopback now — do so, and turn this into a "not reachable" test.
  onLinux('still listens on every interface (no bind option)', () => {
    // 0.0.0.0 or ::, whichever the JVM chose
    expect(listeningAddresses(Number(dynamodb.port)).some((address) => /^0+$/.test(address))).toBe(true);
  });
});

/**
 * examples/webhook-delivery's signing and classification, without emulators: the signature scheme
 * against GitHub's published test vector, the table of answers, and one delivery against a real
 * local HTTP server for each way a request can end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  classifyResponse,
  deliver,
  type Delivery,
} from '../../examples/webhook-delivery/job-types/webhook-delivery.ts';
import { signatureOf, verifySignature } from '../../examples/webhook-delivery/job-types/webhook-signature.ts';

describe('signature', () => {
  test('is sha256=<hex> of the HMAC-SHA256 of the raw body: GitHub’s documented example', () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    expect(signatureOf('Hello, World!', "It's a Secret to Everybody")).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  test('verifies only the same bytes under the same secret', () => {
    const body = '{"orderId":"o-1","cents":100}';
    const header = signatureOf(body, 'secret-a');
    expect(verifySignature(body, 'secret-a', header)).toBe(true);
    expect(verifySignature(Buffer.from(body), 'secret-a', header)).toBe(true);
    expect(verifySignature('{"orderId":"o-1","cents":101}', 'secret-a', header)).toBe(false);
    expect(verifySignature(body, 'secret-b', header)).toBe(false);
    expect(verifySignature(body, 'secret-a', undefined)).toBe(false);
    expect(verifySignature(body, 'secret-a', header.slice(0, -1))).toBe(false);
    expect(verifySignature(body, 'secret-a', header.replace('sha256=', 'sha1='))).toBe(false);
  });
});

describe('classifyResponse', () => {
  test.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [301, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [422, 'permanent'],
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [502, 'transient'],
    [503, 'transient'],
    [504, 'transient'],
  ])('%i is %s', (status, kind) => {
    expect(classifyResponse(status).kind).toBe(kind);
  });
});

describe('deliver', () => {
  let server: Server;
  let base: string;
  const received: { headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
        const status = Number(request.url?.slice(1));
        if (request.url === '/hang') return; // never answers
        if (request.url === '/redirect') {
          response.writeHead(302, { location: '/200' }).end();
          return;
        }
        response.writeHead(status).end('ignored');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const delivery = (route: string, signal = new AbortController().signal): Delivery => ({
    url: `${base}${route}`,
    body: { orderId: 'o-7', nested: { ok: true } },
    event: 'order.paid',
    deliveryId: 'job-7',
    attempt: 3,
    secret: 'unit-secret',
    signal,
  });

  test('POSTs the JSON body with its signature, the delivery id, event and attempt', async () => {
    received.length = 0;
    expect(await deliver(delivery('/200'))).toEqual({ kind: 'delivered', status: 200 });
    const [request] = received;
    expect(JSON.parse(request!.body)).toEqual({ orderId: 'o-7', nested: { ok: true } });
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-webhook-id': 'job-7',
      'x-webhook-event': 'order.paid',
      'x-webhook-attempt': '3',
      'x-signature-256': signatureOf(request!.body, 'unit-secret'),
    });
  });

  test('a 4xx is permanent, a 5xx transient, a redirect is not followed', async () => {
    expect(await deliver(delivery('/400'))).toEqual({ kind: 'permanent', reason: 'receiver answered 400' });
    expect(await deliver(delivery('/503'))).toEqual({ kind: 'transient', reason: 'receiver answered 503' });
    received.length = 0;
    expect(await deliver(delivery('/redirect'))).toMatchObject({ kind: 'permanent', reason: 'receiver answered 302' });
    expect(received).toHaveLength(1);
  });

  test('no answer before the signal fires is transient, and ends when the signal does', async () => {
    const started = Date.now();
    const outcome = await deliver(delivery('/hang', AbortSignal.timeout(300)));
    expect(outcome).toEqual({ kind: 'transient', reason: 'no answer before the attempt’s deadline' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a refused connection is transient and names the network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await deliver({ ...delivery('/200'), url: `http://127.0.0.1:${port}/` });
    expect(outcome).toEqual({ kind: 'transient', reason: 'request failed: ECONNREFUSED' });
  });
});

// @ts-check
/**
 * Runs fauxqs (the SQS emulator) in its own process on a free port of 127.0.0.1.
 * Prints {"port": N} as one JSON line when ready; stops on SIGTERM/SIGINT or
 * when stdin closes (the parent process died).
 *
 * fauxqs's startFauxqs() always listens on 0.0.0.0, so this builds its app (buildApp, the same
 * server startFauxqs wraps, without the persistence and spies we do not use) and listens itself.
 * It answers only loopback Host names (DNS rebinding) and no browser: SDKs never send Origin, and
 * fauxqs's SNS API takes form posts, which any web page could otherwise send it.
 */
import { isLoopbackHost, MISDIRECTED_REQUEST_PROBLEM } from '../loopback-host.mjs';

const { buildApp } = await import('fauxqs');
const app = buildApp({ logger: false });
app.addHook('onRequest', async (request, reply) => {
  if (!isLoopbackHost(request.headers.host)) {
    return reply.code(421).type('application/problem+json').send(MISDIRECTED_REQUEST_PROBLEM);
  }
  if (request.headers.origin !== undefined) {
    return reply.code(403).type('application/problem+json').send({
      type: 'urn:serverless-jobs:problem:local-stack-browser',
      title: 'Browsers not served',
      status: 403,
      detail: 'The local SQS emulator answers SDK clients only; this request came from a web page.',
    });
  }
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 2000).unref();
  await app.close().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();

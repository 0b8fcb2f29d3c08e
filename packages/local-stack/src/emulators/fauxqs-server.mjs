// @ts-check
/**
 * Runs fauxqs (the SQS emulator) in its own process on a free port of 127.0.0.1.
 * Prints {"port": N} as one JSON line when ready; stops on SIGTERM/SIGINT or
 * when stdin closes (the parent process died).
 *
 * fauxqs's startFauxqs() always listens on 0.0.0.0, so this builds its app (buildApp, the same
 * server startFauxqs wraps) and listens itself. With FAUXQS_DATA_DIR set it wires fauxqs's SQLite
 * persistence the way startFauxqs does: load the stores first, then attach the persistence (every
 * change is written synchronously, so a SIGKILL loses nothing acknowledged). fauxqs exports
 * neither the stores nor the persistence manager: they are imported from its dist/ by file URL,
 * which is why the package is pinned exactly.
 * It answers only loopback Host names (DNS rebinding) and no browser: SDKs never send Origin, and
 * fauxqs's SNS API takes form posts, which any web page could otherwise send it.
 * fauxqs never expires a message by its queue's MessageRetentionPeriod; a sweep each second does
 * (fauxqs-retention.mjs), so notices, dead letters and forgotten messages go as they do on AWS.
 */
import { isLoopbackHost, MISDIRECTED_REQUEST_PROBLEM } from '../loopback-host.mjs';
import { expireMessages, RETENTION_SWEEP_INTERVAL_MS } from './fauxqs-retention.mjs';

const { buildApp } = await import('fauxqs');
const { stores, close } = await fauxqsStores(process.env.FAUXQS_DATA_DIR || undefined);
const app = buildApp({ logger: false, stores });
app.addHook('preClose', close);
const sweep = setInterval(() => expireMessages(stores.sqsStore.allQueues(), Date.now()), RETENTION_SWEEP_INTERVAL_MS);
sweep.unref();
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

/**
 * fauxqs's stores, made here so the retention sweep can reach the queues; with `dir`, loaded from
 * and then written to `<dir>/fauxqs.db` (fauxqs names the file).
 * @param {string | undefined} dir
 */
async function fauxqsStores(dir) {
  const dist = import.meta.resolve('fauxqs'); // …/fauxqs/dist/app.js
  const [{ SqsStore }, { SnsStore }, { S3Store }, { PersistenceManager }] = await Promise.all(
    ['./sqs/sqsStore.js', './sns/snsStore.js', './s3/s3Store.js', './persistence.js'].map(
      (file) => import(new URL(file, dist).href),
    ),
  );
  const stores = { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
  if (dir === undefined) return { stores, close: async () => {} };
  const persistence = new PersistenceManager(dir);
  // Load before attaching: attached, loading would write every row back (and cascade-delete messages).
  persistence.load(stores.sqsStore, stores.snsStore, stores.s3Store);
  stores.sqsStore.persistence = persistence;
  stores.snsStore.persistence = persistence;
  stores.s3Store.persistence = persistence;
  for (const queue of stores.sqsStore.allQueues()) queue.persistence = persistence;
  return { stores, close: async () => persistence.close() };
}

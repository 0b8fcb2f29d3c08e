// @ts-check
/**
 * Runs fauxqs (the SQS emulator) in its own process on a free port.
 * Prints {"port": N} as one JSON line when ready; stops on SIGTERM/SIGINT or
 * when stdin closes (the parent process died).
 */
const { startFauxqs } = await import('fauxqs');
const server = await startFauxqs({ port: 0, logger: false });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 2000).unref();
  await server.stop().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();

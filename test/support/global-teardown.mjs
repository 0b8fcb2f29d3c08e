// @ts-check
/** Stops the local stack started by global-setup.mjs and waits until it (and its emulators) are gone. */
export default async function globalTeardown() {
  /** @type {import('node:child_process').ChildProcess | undefined} */
  const child = globalThis.__jobsLocalStackProcess;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

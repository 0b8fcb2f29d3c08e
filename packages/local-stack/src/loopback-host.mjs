// @ts-check
/**
 * Whether a request's Host header names this machine's loopback interface: `localhost`, any
 * `*.localhost` (fauxqs's queue URLs use `sqs.<region>.localhost`), `127.x.x.x` or `[::1]`, with or
 * without a port. Everything else is refused: a web page that rebinds its own DNS name to
 * 127.0.0.1 (DNS rebinding) still sends its own name as Host, so this is what stops it from
 * reaching the local stack as a same-origin page. Plain JS so that fauxqs-server.mjs, which runs
 * without a TypeScript loader, shares it with the API server.
 *
 * @param {string | undefined} host
 * @returns {boolean}
 */
export function isLoopbackHost(host) {
  if (!host) return false;
  const name = host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(name) || name === '[::1]';
}

/** The problem+json body both servers answer a non-loopback Host with. */
export const MISDIRECTED_REQUEST_PROBLEM = {
  type: 'urn:serverless-jobs:problem:local-stack-host',
  title: 'Misdirected request',
  status: 421,
  detail:
    'The local stack answers only requests addressed to localhost, *.localhost, 127.0.0.1 or [::1] (DNS rebinding protection).',
};

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local control plane's HTTP server, listening on a free loopback port. */
export interface LoopbackServer {
  url: string;
  /** Stops listening and drops open connections (SDK clients keep theirs alive). */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 at a port the system picks: never on another interface, never a fixed port. */
export async function listenOnLoopback(server: Server): Promise<LoopbackServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

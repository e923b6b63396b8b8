import type { Server as HttpServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { afterAll, onTestFinished } from 'vitest';

/** A server listening on 127.0.0.1 with the port the system picked. */
export interface LoopbackServer {
  readonly port: number;
  /** `http://127.0.0.1:{port}`, without a trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

const open = new Set<LoopbackServer>();

// Whatever a test file started is stopped when the file ends, even when a test failed before it
// could stop its own servers.
afterAll(async () => {
  await Promise.all([...open].map((server) => server.close()));
});

/**
 * Starts `server` on 127.0.0.1, port 0, and returns its address. Open connections are destroyed
 * on close so a keep-alive client cannot hold the test run open.
 */
export async function listenOnLoopback(server: Server): Promise<LoopbackServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const handle: LoopbackServer = {
    port,
    url: `http://127.0.0.1:${port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        open.delete(handle);
        server.close((error) => (error ? reject(error) : resolve()));
        (server as Partial<HttpServer>).closeAllConnections?.();
      });
      return closing;
    },
  };
  open.add(handle);
  return handle;
}

/**
 * Starts `server` on loopback and stops it when the current test finishes, or when the test file
 * ends if it was started outside a test (in `beforeAll`, say).
 */
export async function startServer(server: Server): Promise<LoopbackServer> {
  const handle = await listenOnLoopback(server);
  try {
    onTestFinished(() => handle.close());
  } catch {
    // Not inside a test: the file-level afterAll above stops it.
  }
  return handle;
}

/**
 * Loopback port helpers of the local stack.
 *
 * @module
 */
import net from 'node:net';

const LOOPBACK = '127.0.0.1';

/**
 * Checks that nothing listens on `127.0.0.1:port`, by binding it briefly.
 *
 * @param port - the port to check
 * @param what - the variable or role named in the error, e.g. `PORT`
 * @throws Error `"<what>: port N on 127.0.0.1 is already in use"` when taken
 */
export async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`${what}: port ${port} on ${LOOPBACK} is already in use`)
          : new Error(`${what}: cannot listen on ${LOOPBACK}:${port} (${err.code ?? err.message})`),
      );
    });
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/**
 * Asks the OS for a free loopback port. Another process may take it before
 * it is used; callers that start servers on it must handle `EADDRINUSE`.
 *
 * @returns a port number
 */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `127.0.0.1:port` accepts TCP connections.
 *
 * @param port - the port
 * @param deadline - `Date.now()` value after which to give up
 * @param alive - polled between attempts; returning false stops the wait
 * @returns true when the port accepts connections, false when `alive` said no or time ran out
 */
export async function waitForPort(port: number, deadline: number, alive: () => boolean): Promise<boolean> {
  while (Date.now() < deadline && alive()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: LOOPBACK, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

import type { Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";

function tryListen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off("listening", onListening);
      reject(e);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/**
 * Listens on `preferred` when given and free, else on an ephemeral port, and returns the port in use. A port taken
 * by another process after a restart is not an error: the service simply gets a new one.
 */
export async function listenPreferring(server: Server, host: string, preferred: number | undefined): Promise<number> {
  if (preferred) {
    try {
      return await tryListen(server, preferred, host);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EADDRINUSE" && code !== "EACCES") throw e;
    }
  }
  return tryListen(server, 0, host);
}

/** A free loopback port for a child instance (closed again before the child binds it). */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.unref();
    s.once("error", reject);
    s.listen(0, host, () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A free port, found synchronously: `listen(0)` without a host binds during the call, so the kernel's choice can be
 * read and released at once. Used to fix a service's URL when the control plane creates it (a synchronous handler);
 * the front binds it later, falling back to another port only if something else took it meanwhile.
 */
export function freePortSync(): number {
  const s = createNetServer();
  s.listen(0);
  const port = (s.address() as AddressInfo).port;
  s.close();
  return port;
}

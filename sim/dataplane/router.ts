import type { IncomingMessage, ServerResponse } from "node:http";
import { plainError } from "./backend";
import { createFrontServer, serve, type FrontTarget } from "./front";
import { listenPreferring } from "./listen";

/** The host of a request, lowercased, without its port (`Host: API.example.com:8080` → `api.example.com`). */
function hostOf(req: IncomingMessage): string {
  const h = req.headers.host ?? "";
  const end = h.startsWith("[") ? h.indexOf("]") + 1 : h.lastIndexOf(":") >= 0 ? h.lastIndexOf(":") : h.length;
  return h.slice(0, end > 0 ? end : h.length).toLowerCase();
}

/**
 * The shared front for custom domains, as Render's edge routes them: the Host header picks the service that owns
 * the domain (or whose `<slug>.onrender.com` it is); an unknown host gets Render's 404.
 */
export class HostRouter {
  private readonly server = createFrontServer((req, res) => this.route(req, res));
  private table = new Map<string, FrontTarget>();
  port = 0;

  /** Replaces the routing table (host → service). */
  setRoutes(table: Map<string, FrontTarget>): void {
    this.table = table;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const target = this.table.get(hostOf(req));
    if (!target) {
      req.resume();
      plainError(res, 404, "Not Found", "no-server");
      return;
    }
    serve(target, req, res);
  }

  async listen(host: string, preferred: number | undefined): Promise<number> {
    this.port = await listenPreferring(this.server, host, preferred);
    return this.port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

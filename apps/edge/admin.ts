import type * as http from "node:http";
import { AnalysisRequestSchema, EDGE_ADMIN_PATHS, SwitchRequestSchema } from "../../infra/edge-contract/admin-api";
import { SLOTS, type Slot } from "../../infra/edge-contract/slots";
import { bearerMatches } from "./auth";
import type { Edge } from "./edge";
import { HttpError, readJson, sendJson, statusOf } from "./http-util";

/** Resolves app and slot names, 404 for either unknown. */
function target(edge: Edge, app: string, slot: string): { app: string; slot: Slot } {
  if (!edge.config.apps[app]) throw new HttpError(404, `unknown app '${app}'; known apps: ${Object.keys(edge.config.apps).join(", ")}`);
  if (!(SLOTS as readonly string[]).includes(slot)) throw new HttpError(404, `unknown slot '${slot}'; slots are blue and green`);
  return { app, slot: slot as Slot };
}

/**
 * The admin API under `/__edge/` (its bodies are the schemas of infra/edge-contract/admin-api.ts; README.md). Everything but `healthz` needs the admin token; a
 * missing or wrong token gets 401 before anything is read or changed.
 */
export async function handleAdmin(edge: Edge, req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  try {
    if (path === EDGE_ADMIN_PATHS.healthz) return sendJson(res, 200, { ok: true, instance: edge.config.instanceId });
    // Peers authenticate pushes with their own key (a signature), not the admin token.
    if (path === "/__edge/internal/state" && req.method === "POST") return await edge.handlePeerPush(req, res);
    if (!bearerMatches(req.headers.authorization, edge.config.adminToken)) {
      req.resume();
      res.setHeader("www-authenticate", 'Bearer realm="edge-admin"');
      return sendJson(res, 401, { error: "missing or wrong admin token" });
    }
    const method = req.method ?? "GET";
    const route = `${method} ${path}`;
    switch (route) {
      case "GET /__edge/state":
        return sendJson(res, 200, edge.describe());
      case "GET /__edge/events":
        return sendJson(res, 200, { events: edge.state.events });
      case "GET /__edge/metrics": {
        const url = new URL(req.url ?? "/", "http://x");
        const wantsJson = url.searchParams.get("format") === "json" || (req.headers.accept ?? "").includes("application/json");
        if (wantsJson) return sendJson(res, 200, edge.metricsJson());
        const text = edge.metricsText();
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" }).end(text);
        return;
      }
      case "POST /__edge/switch": {
        const b = await readJson(req, SwitchRequestSchema);
        const t = target(edge, b.app, b.slot);
        const r = await edge.switchTo({ ...t, force: b.force ?? false, reason: b.reason ?? "admin switch", by: b.actor ?? "admin", kind: "switch" });
        return sendJson(res, 200, r);
      }
      case "POST /__edge/analysis": {
        const b = await readJson(req, AnalysisRequestSchema);
        const t = target(edge, b.app, b.slot);
        const r = await edge.recordVerdict({ ...t, phase: b.phase, reason: b.reason, by: b.actor ?? "admin" });
        return sendJson(res, 200, r);
      }
      case "GET /__edge/internal/state":
        return sendJson(res, 200, edge.state);
    }
    const ext = edge.extensionFor(path);
    if (ext) return await ext.handle(req, res, { admin: true, path });
    req.resume();
    return sendJson(res, 404, { error: `no admin endpoint ${route}` });
  } catch (e) {
    if (res.headersSent) return void res.destroy();
    if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message, ...e.extra });
    if (statusOf(e) < 500) return sendJson(res, statusOf(e), { error: (e as Error).message });
    edge.log(`admin ${req.method} ${path} failed: ${(e as Error).message}`);
    return sendJson(res, 503, { error: `edge could not complete the call: ${(e as Error).message}` });
  }
}

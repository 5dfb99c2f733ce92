import type http from "node:http";
import { z } from "zod";
import type { SimApp } from "./app";
import { bearerToken, keyMatches } from "./http/auth";
import { decodePathSegment } from "./http/router";
import { ApiError } from "./render/errors";

/** Body of `PUT /__sim/services/{id}/faults` (every field optional; omitted fields keep their value). */
const FaultsSchema = z
  .object({
    healthy: z.boolean().optional(),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    errorRate: z.number().min(0).max(1).optional(),
    failNextDeploy: z.boolean().optional(),
  })
  .strict();

/** Body of `PUT /__sim/owners/{id}/settings`: workspace settings Render only exposes in its dashboard. */
const OwnerSettingsSchema = z.object({ overlappingDeployPolicy: z.enum(["override", "wait"]) }).strict();

function reply(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** A path segment's id; Render's 400 when its percent-encoding is not UTF-8 (decodeURIComponent would throw). */
function pathId(segment: string): string {
  const id = decodePathSegment(segment);
  if (id === undefined) throw new ApiError(400, `invalid path: ${JSON.stringify(segment)} is not percent-encoded UTF-8`);
  return id;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ApiError(400, `invalid value for ${JSON.stringify(issue.path.join(".") || "body")}: ${issue.message}`);
  }
  return r.data;
}

/**
 * The simulator's admin API, outside Render's `/v1`: `GET /__sim/health` (no auth) and, with the same Bearer key,
 * `GET|PUT /__sim/services/{id}/faults` and `GET|PUT /__sim/owners/{id}/settings`.
 */
export function adminHandler(app: SimApp, apiKey: string, startedAt: number) {
  return async (req: http.IncomingMessage, res: http.ServerResponse, body: unknown): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://sim.local");
    const method = req.method ?? "GET";
    try {
      if (url.pathname === "/__sim/health" && method === "GET") {
        return reply(res, 200, {
          status: "ok",
          pid: process.pid,
          uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
          timeScale: app.options.timeScale,
          rateLimit: app.options.rateLimit,
          routerUrl: app.dataPlane.routerUrl?.(),
        });
      }
      // Export downloads carry their own signature (Render's export links are signed URLs, no API key).
      if (app.databases.serveExport(req, res, url)) return;
      if (!keyMatches(bearerToken(req), apiKey)) throw new ApiError(401, "Unauthorized");
      let m = /^\/__sim\/services\/([^/]+)\/faults$/.exec(url.pathname);
      if (m) {
        const id = pathId(m[1]);
        if (!app.store.get("service", id)) throw new ApiError(404, `not found: ${id}`);
        if (method === "GET") return reply(res, 200, app.dataPlane.getFaults(id));
        if (method === "PUT") {
          const faults = parse(FaultsSchema, body);
          app.dataPlane.setFaults(id, { ...app.dataPlane.getFaults(id), ...faults });
          return reply(res, 200, app.dataPlane.getFaults(id));
        }
      }
      m = /^\/__sim\/owners\/([^/]+)\/settings$/.exec(url.pathname);
      if (m) {
        const id = pathId(m[1]);
        const owner = app.store.get<Record<string, unknown>>("owner", id);
        if (!owner) throw new ApiError(404, `not found: ${id}`);
        if (method === "GET") return reply(res, 200, { overlappingDeployPolicy: owner.overlappingDeployPolicy ?? app.options.overlappingDeployPolicy });
        if (method === "PUT") {
          const s = parse(OwnerSettingsSchema, body);
          app.store.put("owner", id, { ...owner, ...s });
          return reply(res, 200, s);
        }
      }
      throw new ApiError(404, `not found: ${url.pathname}`);
    } catch (e) {
      if (e instanceof ApiError) return reply(res, e.status, e.body());
      throw e;
    }
  };
}

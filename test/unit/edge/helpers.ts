import * as http from "node:http";
import { loadConfig } from "../../../apps/edge/config";
import { Edge, type EdgeOptions } from "../../../apps/edge/edge";
import { startSlotServer, type SlotServer } from "../../support/slot-server";

/** A canary admin token: tests assert it never shows up in logs or answers. */
export const TOKEN = "canary-admin-token-0123456789abcdef";

/** Two real slot servers per app. */
export async function slots(...apps: string[]): Promise<Record<string, { blue: SlotServer; green: SlotServer }>> {
  const out: Record<string, { blue: SlotServer; green: SlotServer }> = {};
  for (const a of apps) out[a] = { blue: await startSlotServer(`${a}-blue`), green: await startSlotServer(`${a}-green`) };
  return out;
}

/** The env an edge needs for `apps` (routes: every host and path to the first app unless given). */
export function edgeEnv(apps: Record<string, { blue: SlotServer; green: SlotServer }>, extra: Record<string, string> = {}): Record<string, string> {
  const names = Object.keys(apps);
  return {
    PORT: "0",
    EDGE_LISTEN_HOST: "127.0.0.1",
    EDGE_APPS: JSON.stringify(Object.fromEntries(names.map((a) => [a, { blue: apps[a].blue.url, green: apps[a].green.url, healthPath: "/healthz" }]))),
    EDGE_ROUTES: JSON.stringify([{ app: names[0] }]),
    EDGE_ADMIN_TOKEN: TOKEN,
    EDGE_PROBE_INTERVAL_MS: "100",
    EDGE_PROBE_TIMEOUT_MS: "500",
    EDGE_DRAIN_TIMEOUT_MS: "3000",
    EDGE_SHUTDOWN_GRACE_MS: "2000",
    // EDGE_TEST_DATA_PLANE=haproxy runs the edge tests built on this env with the HAProxy data plane.
    ...(process.env.EDGE_TEST_DATA_PLANE ? { EDGE_DATA_PLANE: process.env.EDGE_TEST_DATA_PLANE } : {}),
    ...extra,
  };
}

/** An in-process edge (same code as the process), started. Collects its log lines. */
export async function startEdge(env: Record<string, string>, opts: EdgeOptions = {}): Promise<Edge & { lines: string[] }> {
  const lines: string[] = [];
  const edge = new Edge(loadConfig(env), { log: (m) => lines.push(m), ...opts }) as Edge & { lines: string[] };
  edge.lines = lines;
  await edge.start();
  return edge;
}

/** An admin call with the canary token (or `token`). */
export async function admin(base: string, method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body !== undefined ? (typeof body === "string" ? body : JSON.stringify(body)) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* Prometheus text */
  }
  return { status: res.status, body: parsed };
}

/** Polls `fn` until it returns true (every 25 ms, up to `ms`). */
export async function until(fn: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

/** Which slot served `path` (node:http, because fetch cannot set a Host header). */
export function servedBy(base: string, path = "/", host?: string): Promise<{ status: number; slot?: string; edgeSlot?: string; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers: host ? { host } : {}, agent: false, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* the edge's own text answer */
        }
        resolve({ status: res.statusCode ?? 0, slot: body?.slot, edgeSlot: res.headers["x-edge-slot"] as string | undefined, body });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

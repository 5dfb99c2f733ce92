import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DataPlane, type DataPlaneOptions } from "../../../sim/dataplane";
import type { ServiceRuntimeSpec } from "../../../sim/dataplane/types";

/** `test/fixtures`: its `test/fixtures/apps/echo` and `test/fixtures/apps/ticker` are what `stackguard/echo:…` and `stackguard/ticker:…` run. */
export const FIXTURES = resolve(__dirname, "../../fixtures");

/** A keep-alive agent, as a load balancer's clients use. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** One real HTTP request (node:http, so the Host header can be set, which `fetch` forbids). */
export function http(url: string, opts: { method?: string; host?: string; body?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolveReply, reject) => {
    const headers: Record<string, string> = {};
    if (opts.host) headers.host = opts.host;
    const req = request(url, { method: opts.method ?? "GET", headers, agent, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - t0 }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}

export function json<T = any>(r: Reply): T {
  return JSON.parse(r.body) as T;
}

let seq = 0;
/** A spec with sensible defaults; ids are unique per call. */
export function spec(over: Partial<ServiceRuntimeSpec> = {}): ServiceRuntimeSpec {
  seq++;
  const n = String(seq).padStart(4, "0");
  return {
    id: `srv-dataplanetest${n}${"0".repeat(20 - 13 - n.length)}`.slice(0, 24),
    name: `svc-${n}`,
    slug: `svc-${n}`,
    type: "web_service",
    deployId: `dep-${n}aaaaaaaaaaaaaaaa`,
    image: "docker.io/library/nginx:1.27",
    env: {},
    secretFiles: {},
    healthCheckPath: "/healthz",
    numInstances: 1,
    suspended: false,
    customDomains: [],
    ...over,
  };
}

/** A fresh state directory, removed by `cleanup`. */
export function tempState(): string {
  return mkdtempSync(join(tmpdir(), "sg-dataplane-"));
}

/** A data plane over the fixtures with test-friendly timing. */
export function dataPlane(stateDir: string, over: Partial<DataPlaneOptions> = {}): DataPlane {
  return new DataPlane({ stateDir, repoRoot: FIXTURES, startTimeoutMs: 30_000, shutdownGraceMs: 3_000, sampleIntervalMs: 200, ...over });
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Whether a process is still running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it is true or `ms` pass. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not reached within ${ms} ms`);
}

/** The last minute, at Render's minimum resolution. */
export function lastMinute(over: Record<string, unknown> = {}) {
  const now = Date.now();
  return { startTime: new Date(now - 60_000), endTime: new Date(now + 1_000), resolutionSeconds: 60, ...over };
}

import * as fs from "node:fs";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { loadGuardianConfig, type GuardianConfig } from "../../../apps/guardian/config";
import { parseAlertRule, type AlertRule, type AlertRuleInput } from "../../../infra/alerts/rule";
import { startSimulator, type RunningSimulator } from "../../../sim";
import { renderApi } from "../../support/render-api";
import { TOKEN } from "../edge/helpers";

export { TOKEN };

/** Canary secrets: tests assert they never leave the guardian. */
// A canary, not a key: split so it never reads as a committed Render key.
export const CANARY_RENDER_KEY = "rnd_" + "canaryRenderKey0123456789";
export const CANARY_WEBHOOK_PATH = "/services/T0CANARY/B0CANARY/canaryWebhookSecret42";

/** A Slack-compatible webhook receiver: records bodies, and can fail the first `failFirst` calls with `failStatus`. */
export interface Webhook {
  url: string;
  bodies: Array<{ text: string; blocks: unknown[] }>;
  raw: string[];
  /** Times of every call (accepted or failed). */
  calls: number[];
  failFirst: number;
  failStatus: number;
  close(): Promise<void>;
}

export async function startWebhook(opts: { failFirst?: number; failStatus?: number } = {}): Promise<Webhook> {
  const w: Webhook = {
    url: "",
    bodies: [],
    raw: [],
    calls: [],
    failFirst: opts.failFirst ?? 0,
    failStatus: opts.failStatus ?? 500,
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      w.calls.push(Date.now());
      if (w.failFirst > 0) {
        w.failFirst--;
        res.writeHead(w.failStatus).end("temporarily failing");
        return;
      }
      w.raw.push(body);
      w.bodies.push(JSON.parse(body));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  w.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CANARY_WEBHOOK_PATH}`;
  w.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return w;
}

/** A guardian configuration for tests: fast ticks, short timeouts. */
export function guardianConfig(env: Record<string, string | undefined>): GuardianConfig {
  return loadGuardianConfig({
    EDGE_ADMIN_TOKEN: TOKEN,
    GUARDIAN_INTERVAL_MS: "100",
    GUARDIAN_RULES_REFRESH_MS: "100",
    GUARDIAN_RENDER_INTERVAL_MS: "1000",
    GUARDIAN_PROBE_TIMEOUT_MS: "1000",
    GUARDIAN_WEBHOOK_BACKOFF_MS: "50",
    STACKGUARD_ENVIRONMENT: "test",
    ...env,
  });
}

/** A rule with fast defaults (1 s interval, fire on the first breach). */
export function rule(r: Partial<AlertRuleInput> & Pick<AlertRuleInput, "name" | "signal" | "comparator" | "critical">): AlertRule {
  return parseAlertRule({ interval: "1s", window: "5s", severity: "page", runbookUrl: `https://runbooks.example/${r.name}`, ...r });
}

/** Stores rules on a real edge, as the AlertRule provider does. */
export async function putRules(edgeUrl: string, rules: AlertRule[]): Promise<void> {
  const c = new EdgeAdminClient({ url: edgeUrl, token: TOKEN }).alerts;
  for (const r of rules) await c.put(r);
}

/** Polls `fn` until truthy (every 50 ms, up to `ms`). */
export async function until<T>(fn: () => T | Promise<T>, ms = 15_000, what = "condition"): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not met within ${ms} ms`);
}

/** An in-process simulator in a fresh state directory, with a Render API caller. */
export async function startSim(): Promise<{ sim: RunningSimulator; api: ReturnType<typeof renderApi>; close(): Promise<void> }> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-guardian-sim-"));
  const sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
  return {
    sim,
    api: renderApi(sim.apiUrl, sim.apiKey),
    close: async () => {
      await sim.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Creates a web service running a synthetic app on the simulator and waits until it answers; returns id and URL. */
export async function webService(api: ReturnType<typeof renderApi>, name: string, extra: Record<string, unknown> = {}): Promise<{ id: string; url: string }> {
  const created = await api("POST", "/services", {
    type: "web_service",
    name,
    ownerId: "tea-stackguardstaging000",
    image: { ownerId: "tea-stackguardstaging000", imagePath: "docker.io/acme/api:1" },
    serviceDetails: { runtime: "image", plan: "starter", healthCheckPath: "/healthz" },
    ...extra,
  });
  if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.service.id as string;
  await until(async () => (await api("GET", `/services/${id}/deploys/${created.body.deployId}`)).body.status === "live", 30_000, `${name} live`);
  return { id, url: (await api("GET", `/services/${id}`)).body.serviceDetails.url };
}

/** Sets simulator faults on a service (`PUT /__sim/services/{id}/faults`). */
export async function setFaults(sim: RunningSimulator, id: string, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/services/${id}/faults`, {
    method: "PUT",
    headers: { authorization: `Bearer ${sim.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(faults),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`faults ${id}: ${res.status} ${await res.text()}`);
}

/** Steady background traffic through the edge (`concurrency` loops) until `stop()`. */
export function steadyTraffic(edgeUrl: string, concurrency = 4, p = "/orders"): { stop(): Promise<void>; statuses: number[] } {
  let running = true;
  const statuses: number[] = [];
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const r = await fetch(`${edgeUrl}${p}`, { signal: AbortSignal.timeout(5000) });
        await r.arrayBuffer();
        statuses.push(r.status);
      } catch {
        statuses.push(0);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  return {
    statuses,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

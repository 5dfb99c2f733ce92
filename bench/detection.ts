/**
 * `npm run bench:detection [-- --minutes 10 --trials 5 --scale 0.1]`: how fast the guardian detects a fault, and
 * how often it cries wolf.
 *
 * Everything real: the embedded Render (in process) runs two synthetic web services as the `api` slots and the
 * guardian itself as a background worker from image `stackguard/guardian:0.1.0` (a real process); a real edge
 * process routes to the slots and stores the rules; a webhook receiver in this process gets the notifications.
 * Rules: the production default rule set (`defaultRules("production")`: every signal for the `api` app, its two
 * slots' resources, AlphaStack), every duration multiplied by `--scale` (default 0.1, so a 2-minute `for` is 12 s;
 * `--scale 1` runs the shipped durations) and the guardian's intervals scaled alike.
 *
 * 1. False alerts: `--minutes` (default 10) of noisy but healthy traffic through the edge (~80 requests/s, 0.05 %
 *    injected errors: the healthy baseline the defaults assume, plus this shared machine's latency noise). Every
 *    FIRING notification in the window is a false alert.
 * 2. Detection: `--trials` (default 5) times, inject a 5 % error rate (simulator fault) on the active slot and time
 *    until the webhook receives `[FIRING critical] api-error-rate`, and until any alert about it; the rule's rollback
 *    moves traffic to the warm slot; the fault is cleared and the alert must resolve before the next trial.
 * The last line is one JSON object.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { EdgeAdminClient } from "../infra/edge-contract/client";
import { defaultRules, formatDuration, parseDuration, validateAlertRule, type AlertRule } from "../infra/alerts";
import { startSimulator } from "../sim";
import { spawnEdge } from "../test/support/edge-process";
import { percentile, r1 } from "./lib/stats";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MINUTES = arg("minutes", 10);
const TRIALS = arg("trials", 5);
const SCALE = arg("scale", 0.1);
const OWNER = "tea-stackguardstaging000";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

/** The rule with every duration multiplied by `scale` (at least 1 s), or undefined if that makes it invalid. */
function scaled(rule: AlertRule, scale: number): AlertRule | undefined {
  const d = (x: string) => formatDuration(Math.max(parseDuration(x) === 0 ? 0 : 1000, Math.round((parseDuration(x) * scale) / 100) * 100));
  const r = validateAlertRule({
    ...rule,
    interval: d(rule.interval),
    window: d(rule.window),
    for: d(rule.for),
    keepFiringFor: d(rule.keepFiringFor),
    noDataAfter: d(rule.noDataAfter),
    ...(rule.confirmWindow ? { confirmWindow: d(rule.confirmWindow) } : {}),
  });
  return r.ok ? r.rule : undefined;
}

interface Received {
  at: number;
  text: string;
}

async function main(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-detection-"));
  const sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${sim.apiUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${sim.apiKey}`, "content-type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const faults = async (id: string, f: Record<string, unknown>) => {
    const res = await fetch(`${sim.url}/__sim/services/${id}/faults`, {
      method: "PUT",
      headers: { authorization: `Bearer ${sim.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(f),
    });
    if (!res.ok) throw new Error(`faults: ${res.status}`);
  };
  const live = async (id: string, deployId: string) => {
    for (let i = 0; i < 600; i++) {
      if ((await api("GET", `/services/${id}/deploys/${deployId}`)).body.status === "live") return;
      await sleep(100);
    }
    throw new Error(`${id} did not go live`);
  };
  const received: Received[] = [];
  const hook = http.createServer((req, res) => {
    let b = "";
    req.on("data", (d) => (b += d));
    req.on("end", () => {
      try {
        received.push({ at: Date.now(), text: (JSON.parse(b) as { text: string }).text });
      } catch {
        /* not a notification */
      }
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  let running = true;
  let edge: Awaited<ReturnType<typeof spawnEdge>> | undefined;
  const loops: Promise<void>[] = [];
  try {
    const slots: Record<"blue" | "green", { id: string; url: string }> = {} as never;
    for (const slot of ["blue", "green"] as const) {
      const c = await api("POST", "/services", {
        type: "web_service",
        name: `api-${slot}`,
        ownerId: OWNER,
        image: { ownerId: OWNER, imagePath: "docker.io/acme/api:1" },
        serviceDetails: { runtime: "image", plan: "standard", healthCheckPath: "/healthz" },
      });
      await live(c.body.service.id, c.body.deployId);
      slots[slot] = { id: c.body.service.id, url: (await api("GET", `/services/${c.body.service.id}`)).body.serviceDetails.url };
    }
    const token = `bench-${Math.random().toString(36).slice(2)}-token-xxxxxxxx`;
    edge = await spawnEdge({
      EDGE_APPS: JSON.stringify({ api: { blue: slots.blue.url, green: slots.green.url, healthPath: "/healthz" } }),
      EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
      EDGE_ADMIN_TOKEN: token,
      EDGE_STATE_FILE: path.join(stateDir, "edge-state.json"),
    });
    const edgeUrl = edge.url;
    const all = defaultRules("production", {
      apps: ["api"],
      frontends: ["frontend"],
      domains: [],
      services: [
        { name: "api-blue", minInstances: 1 },
        { name: "api-green", minInstances: 1 },
      ],
      runbookBaseUrl: "https://runbooks.example",
    });
    const rules = all.map((r) => scaled(r, SCALE)).filter((r): r is AlertRule => !!r);
    const rulesClient = new EdgeAdminClient({ url: edgeUrl, token }).alerts;
    for (const r of rules) await rulesClient.put(r);
    log(`${rules.length} of ${all.length} default rules stored on the edge (durations × ${SCALE})`);

    const ms = (x: number) => String(Math.max(200, Math.round(x * SCALE)));
    const env = {
      EDGE_URL: edgeUrl,
      EDGE_ADMIN_TOKEN: token,
      RENDER_API_URL: sim.apiUrl,
      RENDER_API_KEY: sim.apiKey,
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
      GUARDIAN_INTERVAL_MS: ms(5_000),
      GUARDIAN_RULES_REFRESH_MS: ms(30_000),
      GUARDIAN_RENDER_INTERVAL_MS: String(Math.max(1000, Math.round(60_000 * SCALE))),
      STACKGUARD_ENVIRONMENT: "bench",
    };
    const g = await api("POST", "/services", {
      type: "background_worker",
      name: "guardian",
      ownerId: OWNER,
      image: { ownerId: OWNER, imagePath: "stackguard/guardian:0.1.0" },
      serviceDetails: { runtime: "image", plan: "starter" },
      envVars: Object.entries(env).map(([key, value]) => ({ key, value })),
    });
    if (g.status !== 201) throw new Error(`guardian: ${g.status} ${JSON.stringify(g.body)}`);
    await live(g.body.service.id, g.body.deployId);
    log(`guardian running as ${g.body.service.id} (tick ${env.GUARDIAN_INTERVAL_MS} ms)`);

    // ~80 requests/s through the edge, like a quiet trading hour.
    let served = 0;
    let failed = 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    for (let i = 0; i < 2; i++) {
      loops.push(
        (async () => {
          while (running) {
            const status = await new Promise<number>((resolve) => {
              const req = http.get(`${edgeUrl}/orders`, { agent, timeout: 5000 }, (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode ?? 0));
              });
              req.on("timeout", () => req.destroy());
              req.on("error", () => resolve(0));
            });
            served++;
            if (status >= 500 || status === 0) failed++;
            await sleep(20);
          }
        })(),
      );
    }
    const admin = new EdgeAdminClient({ url: edgeUrl, token });
    const activeSlot = async () => (await admin.getState()).active.api!;

    // 1. Noisy but healthy.
    await faults(slots.blue.id, { errorRate: 0.0005 });
    await faults(slots.green.id, { errorRate: 0.0005 });
    await sleep(5000);
    const windowStart = Date.now();
    const servedAtStart = served;
    log(`noisy healthy traffic for ${MINUTES} min…`);
    await sleep(MINUTES * 60_000);
    const windowEnd = Date.now();
    const noisyRequests = served - servedAtStart;
    const inWindow = received.filter((m) => m.at >= windowStart && m.at <= windowEnd);
    const falseAlerts = inWindow.filter((m) => /\[FIRING /.test(m.text));
    for (const m of falseAlerts) log(`false alert: ${m.text}`);
    log(`${noisyRequests} requests, ${inWindow.length} notifications, ${falseAlerts.length} FIRING`);

    // 2. Detection trials.
    const detectCritical: number[] = [];
    const detectAny: number[] = [];
    const rollbacks: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const slot = await activeSlot();
      const t0 = Date.now();
      await faults(slots[slot].id, { errorRate: 0.05 });
      const deadline = t0 + Math.max(180_000, 40 * 60_000 * SCALE);
      const first = (re: RegExp) => received.find((m) => m.at >= t0 && re.test(m.text));
      while (!first(/\[FIRING critical\] api-error-rate/) && Date.now() < deadline) await sleep(20);
      const crit = first(/\[FIRING critical\] api-error-rate/);
      const any = first(/\[FIRING \w+\] api-error-rate/);
      if (!crit) throw new Error(`trial ${i + 1}: no critical alert within ${deadline - t0} ms`);
      detectCritical.push(crit.at - t0);
      detectAny.push(any!.at - t0);
      while (!first(/rolled back api/) && Date.now() < deadline) await sleep(20);
      const rb = first(/rolled back api/);
      if (rb) rollbacks.push(rb.at - t0);
      log(
        `trial ${i + 1}/${TRIALS}: fault on ${slot}; first alert ${any!.at - t0} ms, critical ${crit.at - t0} ms, rollback ${rb ? `${rb.at - t0} ms` : "none"}`,
      );
      await faults(slots[slot].id, { errorRate: 0.0005 });
      while (!received.some((m) => m.at > crit.at && /\[RESOLVED\] api-error-rate/.test(m.text)) && Date.now() < deadline + 180_000) await sleep(100);
      // The rolled-back slot carries a Failed verdict only if the edge judged it; the guardian's switch does not, so
      // the next trial breaks whichever slot is active then.
      await sleep(1000);
    }
    const summary = {
      scale: SCALE,
      trials: detectCritical.length,
      detectCriticalMsP50: r1(percentile(detectCritical, 50)),
      detectCriticalMsMax: Math.max(...detectCritical),
      detectAnyMsP50: r1(percentile(detectAny, 50)),
      rollbackMsP50: rollbacks.length ? r1(percentile(rollbacks, 50)) : null,
      noisyMinutes: MINUTES,
      noisyRequests,
      falseAlerts: falseAlerts.length,
      notificationsInNoisyWindow: inWindow.length,
      rules: rules.length,
      failedRequestsTotal: failed,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    running = false;
    await Promise.all(loops);
    await edge?.stop();
    await sim.stop();
    hook.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench:detection failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);

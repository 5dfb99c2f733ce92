/**
 * `npm run bench:flags`: kill-switch flips while apps poll flags under load.
 *
 * Two edge processes (peers directory + shared state file, as two Render instances) in front of two slot servers (a
 * child process). `BENCH_APPS` app processes (default 6) each run one `FlagClient` (infra/flags/client.ts) polling
 * one of the edges every `BENCH_POLL_MS` (default 500 ms), and print every change with its time. Each trial turns
 * the kill-switch flag `off` (then `on`, alternately) with the `npm run flag` command's own code (`infra/flags/cli.ts`
 * `main`, in process: the Node start-up of `npm run` is not the switch's latency) and measures from the command's
 * start until every app process has seen the new value.
 *
 * Two phases side by side: a baseline without load, then the same flips while autocannon sends `BENCH_RPS`
 * (default 400) requests per second through the edges. Trials per phase: `BENCH_TRIALS` (default 12). Pauses
 * between flips are random so the flips land at random points of the poll cycle.
 * The last line is one JSON object: `trials`, `flipMsP50`, `flipMsP99` (under load), and the baseline's figures.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import autocannon from "autocannon";
import { FlagAdminClient } from "../infra/flags/admin-client";
import { FlagClient } from "../infra/flags/client";
import { main as flagCli } from "../infra/flags/cli";
import { spawnEdge, type EdgeProcess } from "./lib/edge-process";
import { startRemoteSlots } from "./lib/slots-process";
import { percentile, r1 } from "./lib/stats";

const KEY = "trading-enabled";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Child mode: one app process with one FlagClient; prints `{"at", "value"}` per change (and once at start). */
async function appClient(edgeUrl: string, pollMs: number, id: string): Promise<void> {
  const flags = new FlagClient({
    baseUrl: edgeUrl,
    context: { targetingKey: id, app: "api" },
    defaults: { [KEY]: true },
    pollIntervalMs: pollMs,
    timeoutMs: Math.min(800, Math.max(100, pollMs - 50)),
    onChange: (keys) => {
      if (keys.includes(KEY)) process.stdout.write(`${JSON.stringify({ at: Date.now(), value: flags.getBoolean(KEY) })}\n`);
    },
  });
  await flags.start();
  // The client's poll timer is unref'd (it never keeps an app alive by itself); this process exists to poll.
  setInterval(() => undefined, 60_000);
  process.stdout.write(`${JSON.stringify({ at: Date.now(), value: flags.getBoolean(KEY), ready: true })}\n`);
  process.on("SIGTERM", () => {
    flags.stop();
    process.exit(0);
  });
}

interface App {
  proc: ChildProcess;
  value?: boolean;
  changes: Array<{ at: number; value: boolean }>;
}

function spawnApp(edgeUrl: string, pollMs: number, id: string): Promise<App> {
  const proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--app-client", edgeUrl, String(pollMs), id], {
    cwd: path.resolve(__dirname, ".."),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const app: App = { proc, changes: [] };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app ${id} did not start`)), 60_000);
    readline.createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = JSON.parse(line) as { at: number; value: boolean; ready?: boolean };
      app.value = m.value;
      app.changes.push(m);
      if (m.ready) {
        clearTimeout(timer);
        resolve(app);
      }
    });
  });
}

async function phase(name: string, apps: App[], edgeUrl: string, token: string, trials: number): Promise<number[]> {
  const out: number[] = [];
  let expect = false;
  const quiet = () => undefined;
  for (let i = 0; i < trials; i++) {
    await sleep(300 + Math.random() * 700);
    const t0 = Date.now();
    const code = await flagCli([expect ? "on" : "off", KEY, "--edge-url", edgeUrl, "--reason", `bench ${name} ${i}`], { EDGE_ADMIN_TOKEN: token, USER: "bench" }, quiet);
    if (code !== 0) throw new Error(`flag command failed (exit ${code})`);
    const deadline = Date.now() + 10_000;
    const seen = () => apps.map((a) => a.changes.find((c) => c.at >= t0 && c.value === expect)?.at);
    while (seen().some((x) => x === undefined)) {
      if (Date.now() > deadline) throw new Error(`trial ${i}: not every app saw ${KEY}=${expect} within 10 s`);
      await sleep(5);
    }
    const ms = Math.max(...(seen() as number[])) - t0;
    out.push(ms);
    process.stdout.write(`${name} trial ${i + 1}/${trials}: ${expect ? "on" : "off"} seen by ${apps.length} apps after ${ms} ms\n`);
    expect = !expect;
  }
  // Leave the flag on for the next phase.
  if (expect) await flagCli(["on", KEY, "--edge-url", edgeUrl], { EDGE_ADMIN_TOKEN: token }, quiet);
  await sleep(1500);
  return out;
}

async function main(): Promise<void> {
  const trials = Number(process.env.BENCH_TRIALS ?? 12);
  const nApps = Number(process.env.BENCH_APPS ?? 6);
  const pollMs = Number(process.env.BENCH_POLL_MS ?? 500);
  const rps = Number(process.env.BENCH_RPS ?? 400);
  const token = `bench-${Math.random().toString(36).slice(2)}-token-xxxxxxxx`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-flags-"));
  const slots = await startRemoteSlots(["blue", "green"]);
  const edges: EdgeProcess[] = [];
  const apps: App[] = [];
  try {
    const env = {
      EDGE_APPS: JSON.stringify({ api: { blue: slots.urls.blue, green: slots.urls.green, healthPath: "/healthz" } }),
      EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
      EDGE_ADMIN_TOKEN: token,
      EDGE_STATE_FILE: path.join(dir, "state.json"),
      EDGE_PEERS_DIR: path.join(dir, "peers"),
    };
    edges.push(await spawnEdge(env), await spawnEdge(env));
    await new FlagAdminClient({ baseUrl: edges[0]!.url, token }).put(KEY, {
      state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on",
      metadata: { kind: "kill-switch", owner: "team-platform", createdAt: new Date().toISOString().slice(0, 10) },
    });
    // Apps spread over both edge instances, as Render's load balancer would spread them.
    for (let i = 0; i < nApps; i++) apps.push(await spawnApp(edges[i % edges.length]!.url, pollMs, `app-${i}`));
    process.stdout.write(`${nApps} app processes polling every ${pollMs} ms through ${edges.length} edge instances\n`);

    const baseline = await phase("baseline", apps, edges[0]!.url, token, trials);

    const loads = edges.map((e) =>
      autocannon({ url: `${e.url}/orders`, connections: 16, duration: 3600, overallRate: Math.round(rps / edges.length) }) as unknown as autocannon.Instance & Promise<autocannon.Result>,
    );
    await sleep(2000);
    const loaded = await phase("load", apps, edges[1]!.url, token, trials);
    for (const l of loads) l.stop();
    const results = await Promise.all(loads);
    const requests = results.reduce((a, r) => a + r.requests.total, 0);
    const failed = results.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0);

    const summary = {
      trials: loaded.length,
      flipMsP50: r1(percentile(loaded, 50)),
      flipMsP99: r1(percentile(loaded, 99)),
      flipMsMax: Math.max(...loaded),
      baselineFlipMsP50: r1(percentile(baseline, 50)),
      baselineFlipMsP99: r1(percentile(baseline, 99)),
      loadVsBaselineP50: r1(percentile(loaded, 50) / percentile(baseline, 50)),
      apps: nApps,
      pollMs,
      edges: edges.length,
      loadRps: rps,
      loadRequests: requests,
      loadFailed: failed,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    for (const a of apps) a.proc.kill("SIGTERM");
    for (const e of edges) await e.stop();
    await slots.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--app-client") {
  void appClient(process.argv[3]!, Number(process.argv[4]), process.argv[5]!);
} else {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`bench:flags failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}

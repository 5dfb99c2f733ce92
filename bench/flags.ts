/**
 * `npm run bench:flags`: kill-switch flips seen by apps, pushed (now) vs polled (before), under load, in one run.
 *
 * Two edge processes (peers directory + shared state file, as two Render instances) in front of two slot servers (a
 * child process). `BENCH_APPS` app processes (default 6), spread over both edges, print every change of the flag
 * with its time. Two modes, one after the other, with the same edges:
 * - `poll` (before issue 16): each app runs a `FlagClient` with the stream off, polling every `BENCH_POLL_MS`
 *   (default 500 ms);
 * - `push` (now): each app evaluates through OpenFeature's API (`@openfeature/server-sdk`) with `EdgeFlagProvider`,
 *   fed by the edge's event stream, and prints the value it reads on `PROVIDER_CONFIGURATION_CHANGED`.
 * Each trial turns the kill-switch flag `off` (then `on`, alternately) with the `npm run flag` command's own code
 * (`tools/scripts/flag.ts` `main`, in process: the Node start-up of `npm run` is not the switch's latency) and
 * measures from the command's start until every app process has seen the new value.
 *
 * Per mode, a baseline without load, then the same flips while autocannon sends `BENCH_RPS` (default 400)
 * requests per second through the edges. Trials per phase: `BENCH_TRIALS` (default 12). Pauses between flips are
 * random so the flips land at random points of the poll cycle. The last line is one JSON object: `flipMsP50`,
 * `flipMsP99` (push, under load), `pollFlipMsP50`/`pollFlipMsP99` (poll, under load, same run), the baselines, and
 * `pushVsPollP99`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import autocannon from "autocannon";
import { EdgeAdminClient } from "../infra/edge-contract/client";
import { OpenFeature, ProviderEvents, ProviderStatus } from "@openfeature/server-sdk";
import { FlagClient } from "../infra/flags/client";
import { EdgeFlagProvider } from "../infra/flags/openfeature-provider";
import { main as flagCli } from "../tools/scripts/flag";
import { spawnEdge, type EdgeProcess } from "../test/support/edge-process";
import { startRemoteSlots } from "./lib/slots-process";
import { percentile, r1 } from "./lib/stats";

const KEY = "trading-enabled";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Mode = "poll" | "push";

/** Child mode, `push`: one app evaluating through OpenFeature; prints `{"at", "value"}` per change (and once at start). */
async function pushAppClient(edgeUrl: string, pollMs: number, id: string): Promise<void> {
  const provider = new EdgeFlagProvider({ baseUrl: edgeUrl, context: { targetingKey: id, app: "api" }, pollIntervalMs: pollMs, timeoutMs: 2000 });
  // On a loaded machine the first fetch may time out: the provider is then ERROR, and READY once the edge answers.
  await OpenFeature.setProviderAndWait(provider).catch(() => undefined);
  const flags = OpenFeature.getClient();
  let value = await flags.getBooleanValue(KEY, true);
  flags.addHandler(ProviderEvents.ConfigurationChanged, async (d) => {
    if (!d?.flagsChanged?.includes(KEY)) return;
    value = await flags.getBooleanValue(KEY, true);
    process.stdout.write(`${JSON.stringify({ at: Date.now(), value })}\n`);
  });
  // Subscribed before "ready", so no trial starts before the stream is up.
  while (!provider.clientStatus().streaming || flags.providerStatus !== ProviderStatus.READY) await sleep(10);
  value = await flags.getBooleanValue(KEY, true);
  setInterval(() => undefined, 60_000);
  process.stdout.write(`${JSON.stringify({ at: Date.now(), value, ready: true })}\n`);
  process.on("SIGTERM", () => void OpenFeature.close().finally(() => process.exit(0)));
}

/** Child mode, `poll` (before): one app with one polling FlagClient; prints `{"at", "value"}` per change (and once at start). */
async function appClient(edgeUrl: string, pollMs: number, id: string): Promise<void> {
  const flags = new FlagClient({
    baseUrl: edgeUrl,
    context: { targetingKey: id, app: "api" },
    defaults: { [KEY]: true },
    pollIntervalMs: pollMs,
    stream: false,
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

function spawnApp(mode: Mode, edgeUrl: string, pollMs: number, id: string): Promise<App> {
  const proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--app-client", edgeUrl, String(pollMs), id, mode], {
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

/** Per phase: flip latencies, and how long the flag command itself took (persist + every instance confirmed). */
async function phase(
  name: string,
  apps: App[],
  edgeUrl: string,
  token: string,
  trials: number,
  adminMs: number[] = [],
  afterCommandMs: number[] = [],
): Promise<number[]> {
  const out: number[] = [];
  let expect = false;
  const quiet = () => undefined;
  for (let i = 0; i < trials; i++) {
    await sleep(300 + Math.random() * 700);
    const t0 = Date.now();
    const code = await flagCli(
      [expect ? "on" : "off", KEY, "--edge-url", edgeUrl, "--reason", `bench ${name} ${i}`],
      { EDGE_ADMIN_TOKEN: token, USER: "bench" },
      quiet,
    );
    if (code !== 0) throw new Error(`flag command failed (exit ${code})`);
    const admin = Date.now() - t0;
    adminMs.push(admin);
    const deadline = Date.now() + 10_000;
    const seen = () => apps.map((a) => a.changes.find((c) => c.at >= t0 && c.value === expect)?.at);
    while (seen().some((x) => x === undefined)) {
      if (Date.now() > deadline) throw new Error(`trial ${i}: not every app saw ${KEY}=${expect} within 10 s`);
      await sleep(5);
    }
    const ms = Math.max(...(seen() as number[])) - t0;
    out.push(ms);
    afterCommandMs.push(Math.max(0, ms - admin));
    process.stdout.write(`${name} trial ${i + 1}/${trials}: ${expect ? "on" : "off"} seen by ${apps.length} apps after ${ms} ms (command ${admin} ms)\n`);
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
    await new EdgeAdminClient({ url: edges[0]!.url, token }).flags.put(KEY, {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "on",
      metadata: { kind: "kill-switch", owner: "team-platform", createdAt: new Date().toISOString().slice(0, 10) },
    });
    const modes = (process.env.BENCH_MODES ?? "poll,push").split(",").map((m) => m.trim()) as Mode[];
    const out: Partial<Record<Mode, { baseline: number[]; loaded: number[] }>> = {};
    const adminLoaded: number[] = [];
    const afterCommand: Partial<Record<Mode, number[]>> = {};
    let requests = 0;
    let failed = 0;
    for (const mode of modes) {
      // Apps spread over both edge instances, as Render's load balancer would spread them.
      for (let i = 0; i < nApps; i++) apps.push(await spawnApp(mode, edges[i % edges.length]!.url, pollMs, `app-${i}`));
      process.stdout.write(
        `${nApps} app processes (${mode === "push" ? "OpenFeature, changes pushed" : `polling every ${pollMs} ms`}) through ${edges.length} edge instances\n`,
      );
      const baseline = await phase(`${mode} baseline`, apps, edges[0]!.url, token, trials);
      const loads = edges.map(
        (e) =>
          autocannon({
            url: `${e.url}/orders`,
            connections: 16,
            duration: 3600,
            overallRate: Math.round(rps / edges.length),
          }) as unknown as autocannon.Instance & Promise<autocannon.Result>,
      );
      await sleep(2000);
      afterCommand[mode] = [];
      const loaded = await phase(`${mode} load`, apps, edges[1]!.url, token, trials, adminLoaded, afterCommand[mode]);
      for (const l of loads) l.stop();
      const results = await Promise.all(loads);
      requests += results.reduce((a, r) => a + r.requests.total, 0);
      failed += results.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0);
      out[mode] = { baseline, loaded };
      for (const a of apps.splice(0)) a.proc.kill("SIGTERM");
      await sleep(500);
    }
    const p = (xs: number[] | undefined, q: number) => (xs?.length ? r1(percentile(xs, q)) : null);
    const main = out.push ?? out.poll!;
    const summary = {
      trials: main.loaded.length,
      mode: out.push ? "push" : "poll",
      flipMsP50: p(main.loaded, 50),
      flipMsP99: p(main.loaded, 99),
      flipMsMax: Math.max(...main.loaded),
      baselineFlipMsP50: p(main.baseline, 50),
      baselineFlipMsP99: p(main.baseline, 99),
      pollFlipMsP50: p(out.poll?.loaded, 50),
      pollFlipMsP99: p(out.poll?.loaded, 99),
      pollBaselineFlipMsP50: p(out.poll?.baseline, 50),
      pollBaselineFlipMsP99: p(out.poll?.baseline, 99),
      pushVsPollP99: out.push && out.poll ? r1(percentile(out.push.loaded, 99) / percentile(out.poll.loaded, 99)) : null,
      // The flag command's own time under load (admin call: persisted, every instance confirmed): a floor for any mode.
      commandMsP50: p(adminLoaded, 50),
      commandMsP99: p(adminLoaded, 99),
      // Under load: how long after the flag command returned the last app saw the change (0 when all saw it before).
      afterCommandMsP99: p(afterCommand.push ?? afterCommand.poll, 99),
      pollAfterCommandMsP99: p(afterCommand.poll, 99),
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
  const run = process.argv[6] === "push" ? pushAppClient : appClient;
  void run(process.argv[3]!, Number(process.argv[4]), process.argv[5]!);
} else {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`bench:flags failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}

/**
 * `npm run bench:api-calls [-- --sizes 10,50]`: Render API calls made by `pulumi up` (from empty) and by
 * `pulumi preview --refresh` (no changes) of the staging stack grown to N services, counted from the providers'
 * request log (every attempt of every provider process), with wall times. Real engine, real simulator.
 *
 * The last line is one JSON object: `{ sizes: [{ services, resources, up: {calls, reads, writes, ms},
 * refresh: {calls, reads, writes, ms}, readsPerResourceOnRefresh }] }`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startSimulator } from "../sim";
import { PulumiProject } from "../test/support/pulumi-project";

interface Counted {
  calls: number;
  reads: number;
  writes: number;
  retries: number;
  ms: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function count(logFile: string, ms: number): Counted {
  const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trim().split("\n").filter(Boolean) : [];
  const entries = lines.map((l) => JSON.parse(l) as { method: string; attempt: number });
  const first = entries.filter((e) => e.attempt === 1);
  fs.rmSync(logFile, { force: true });
  return {
    calls: first.length,
    reads: first.filter((e) => e.method === "GET").length,
    writes: first.filter((e) => e.method !== "GET").length,
    retries: entries.length - first.length,
    ms,
  };
}

async function timed(fn: () => Promise<{ code: number; stderr: string; stdout: string }>): Promise<number> {
  const t0 = Date.now();
  const r = await fn();
  if (r.code !== 0) throw new Error(`pulumi failed (exit ${r.code}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return Date.now() - t0;
}

async function measure(services: number) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-bench-calls-"));
  const logFile = path.join(stateDir, "requests.jsonl");
  const sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
  const project = await PulumiProject.create({ render: { apiUrl: sim.apiUrl, apiKey: sim.apiKey }, env: { STACKGUARD_RENDER_REQUEST_LOG: logFile } });
  try {
    await project.selectStack("staging");
    // The staging stack has 5 services (2 slots, frontend, worker, edge); the rest are extra workers.
    project.editConfig("staging", (cfg) => {
      for (let i = 1; i <= services - 5; i++)
        cfg.apps[`worker-${i}`] = { kind: "worker", image: "docker.io/alphaplatform/worker", version: "1.4.2", plan: "starter", instances: 1 };
    });
    const up = count(logFile, await timed(() => project.run(["up", "--yes", "--skip-preview", "--stack", "staging"])));
    const state = JSON.parse((await project.run(["stack", "export", "--stack", "staging"])).stdout);
    const resources = state.deployment.resources.filter((r: { type: string }) => r.type.startsWith("pulumi-nodejs:dynamic/")).length;
    const refresh = count(logFile, await timed(() => project.run(["preview", "--refresh", "--expect-no-changes", "--stack", "staging"])));
    return { services, resources, up, refresh, readsPerResourceOnRefresh: +(refresh.reads / resources).toFixed(2) };
  } finally {
    await project.run(["destroy", "--yes", "--skip-preview", "--stack", "staging"]).catch(() => undefined);
    project.dispose();
    await sim.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main() {
  const sizes = arg("--sizes", "10,50").split(",").map(Number);
  const results = [];
  for (const n of sizes) {
    const r = await measure(n);
    results.push(r);
    console.log(
      `${n} services (${r.resources} Render resources): up ${r.up.calls} calls (${r.up.reads} reads, ${r.up.writes} writes) in ${(r.up.ms / 1000).toFixed(1)} s; ` +
        `preview --refresh ${r.refresh.calls} calls (${r.refresh.reads} reads) in ${(r.refresh.ms / 1000).toFixed(1)} s; ${r.readsPerResourceOnRefresh} reads/resource`,
    );
  }
  console.log(JSON.stringify({ sizes: results }));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

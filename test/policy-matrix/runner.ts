/**
 * `npm run test:policy-matrix [-- --only a,b] [--concurrency 2] [--results <file>]`
 *
 * Runs every scenario of `scenarios.ts` through the real engine: one simulator shared by all, a small pool of
 * workers each previewing in its own project copy, the pack loaded from `policies/` with a per-scenario config.
 * The allowed scenarios marked `timed` are previewed a second time without the pack, next to their run with it and
 * after the pool (one preview at a time), for `msWithPack`/`msWithoutPack`. One line per scenario as it finishes, the failures, and as the last line one JSON
 * object: `{forbidden, blocked, allowed, passed, msWithPack, msWithoutPack, …}`. Exit 1 when any forbidden change
 * was not blocked as expected or any allowed one did not pass. Every outcome goes to the results file
 * (default `.stackguard/policy-matrix/results.json`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startSimulator } from "../../sim";
import { ROOT } from "../support/pulumi-project";
import { judge, Outcome } from "./outcome";
import { PinState, preparePins } from "./pins";
import { PIN_STACK, Scenario, SCENARIOS } from "./scenarios";
import { Workspace } from "./workspace";

/** Options of {@link runMatrix}. */
export interface MatrixOptions {
  /** Previews at once (default `STACKGUARD_POLICY_MATRIX_CONCURRENCY` or 2: the CI machine has 2 cores). */
  concurrency?: number;
  /** Only these scenarios (by name). */
  only?: readonly string[];
  /** Where every outcome is written. */
  resultsFile?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** The summary line. */
export interface MatrixSummary {
  forbidden: number;
  blocked: number;
  allowed: number;
  passed: number;
  /** Sum of the timed subset's preview times with the pack, and of the same previews without it. */
  msWithPack: number;
  msWithoutPack: number;
  timedPreviews: number;
  concurrency: number;
  wallMs: number;
  resultsFile: string;
}

export interface MatrixResult {
  summary: MatrixSummary;
  outcomes: Outcome[];
  /** Per timed scenario: its preview time with and without the pack. */
  timings: Array<{ name: string; msWithPack: number; msWithoutPack: number; withoutPackExit: number }>;
}

interface Job {
  scenario: Scenario;
  pack: boolean;
}

/**
 * The runs of the worker pool (pin-stack scenarios last: their state is prepared meanwhile) and the timed pairs.
 * The timed pairs run after the pool, one preview at a time, so that the ratio measures the pack and not whatever
 * other scenario a second worker happens to run next to one side of a pair. Each pair alternates which run goes
 * first (with, then without, …): the first preview of a pair meets colder caches, and that cost must not all land on
 * one side of the ratio.
 */
function jobsFor(scenarios: readonly Scenario[]): { pooled: Job[]; timed: Job[] } {
  const ordered = [...scenarios.filter((s) => s.stack !== PIN_STACK), ...scenarios.filter((s) => s.stack === PIN_STACK)];
  const timed = ordered
    .filter((s) => s.timed)
    .flatMap((s, i): Job[] => {
      const pair = [
        { scenario: s, pack: true },
        { scenario: s, pack: false },
      ];
      return i % 2 === 0 ? pair : pair.reverse();
    });
  return { pooled: ordered.filter((s) => !s.timed).map((s) => ({ scenario: s, pack: true })), timed };
}

export async function runMatrix(opts: MatrixOptions = {}): Promise<MatrixResult> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const scenarios = opts.only?.length ? SCENARIOS.filter((s) => opts.only!.includes(s.name)) : SCENARIOS;
  const unknown = (opts.only ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(", ")}`);
  const names = new Set<string>();
  for (const s of SCENARIOS) {
    if (names.has(s.name)) throw new Error(`scenario ${s.name} is listed twice`);
    names.add(s.name);
    if (s.expect === "blocked" && (!s.policy || !s.message)) throw new Error(`forbidden scenario ${s.name} must name its policy and message`);
  }
  const concurrency = Math.max(1, opts.concurrency ?? Number(process.env.STACKGUARD_POLICY_MATRIX_CONCURRENCY ?? 2));
  const resultsFile = path.resolve(opts.resultsFile ?? path.join(ROOT, ".stackguard", "policy-matrix", "results.json"));

  if (!process.env.STACKGUARD_PULUMI_BIN_DIR) {
    // One toolchain lookup for every worker (npm test sets it).
    process.env.STACKGUARD_PULUMI_BIN_DIR = (await require(path.join(ROOT, "tools", "scripts", "toolchain")).ensureToolchain({ log: () => {} })).binDir;
  }
  // The engine loads the compiled pack (policies/build.js): build it once here, not in the first previews at once.
  require(path.join(ROOT, "policies", "build.js")).ensurePackBuilt({ log });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-matrix-"));
  const sim = await startSimulator({ stateDir: path.join(tmp, "sim"), timeScale: 0.01, rateLimit: "relaxed" });
  const render = { apiUrl: sim.apiUrl, apiKey: sim.apiKey };
  const workspaces: Workspace[] = [];
  const outcomes: Outcome[] = [];
  const withoutPack = new Map<string, { ms: number; code: number }>();
  try {
    const pinsPromise: Promise<PinState> | undefined = scenarios.some((s) => s.stack === PIN_STACK) ? preparePins(render, tmp) : undefined;
    pinsPromise
      ?.then((p) =>
        log(`  pin stack ready in ${(p.ms / 1000).toFixed(1)} s: ${p.entry.resources.map((e) => `${e.mode} ${e.urn.split("::").pop()}`).join(", ")}`),
      )
      .catch(() => {});
    const { pooled, timed } = jobsFor(scenarios);
    const total = scenarios.length;
    /** A worker takes the queue's next job until it is empty (workers share a queue). */
    const worker = async (ws: Workspace, queue: Job[]): Promise<void> => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const { scenario: s, pack } = job;
        let run;
        try {
          const pins = s.stack === PIN_STACK ? await pinsPromise : undefined;
          run = await ws.run(s, { pack, pins });
        } catch (e) {
          run = { code: -1, stdout: "", stderr: (e as Error).message, ms: 0 };
        }
        if (!pack) {
          withoutPack.set(s.name, { ms: run.ms, code: run.code });
          log(`  · ${s.name} without the pack: ${(run.ms / 1000).toFixed(1)} s (exit ${run.code})`);
          continue;
        }
        const o = judge(s, run);
        outcomes.push(o);
        const verdict = o.ok ? "✓" : "✗";
        const what = s.expect === "blocked" ? `blocked by ${s.policy}` : "passes";
        log(
          `${verdict} [${outcomes.length}/${total}] ${s.name} (${s.stack}${o.command === "up" ? ", up" : ""}) ${what}: ${o.ok ? "yes" : o.problem} (${(o.ms / 1000).toFixed(1)} s, w${ws.id})`,
        );
      }
    };
    const pool = await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pooled.length)) }, (_, i) => Workspace.create(i + 1, render)));
    workspaces.push(...pool);
    log(
      `  ${pooled.length + timed.length} runs of ${total} scenarios on ${pool.length} workers, then ${timed.length / 2} timed pairs one at a time (simulator ${sim.url})`,
    );
    await Promise.all(pool.map((ws) => worker(ws, pooled)));
    await worker(pool[0]!, timed);
    if (pinsPromise) await pinsPromise;
  } finally {
    for (const ws of workspaces) ws.dispose();
    await sim.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  outcomes.sort((a, b) => scenarios.findIndex((s) => s.name === a.name) - scenarios.findIndex((s) => s.name === b.name));
  const timings = scenarios
    .filter((s) => s.timed && withoutPack.has(s.name))
    .map((s) => ({
      name: s.name,
      msWithPack: outcomes.find((o) => o.name === s.name)!.ms,
      msWithoutPack: withoutPack.get(s.name)!.ms,
      withoutPackExit: withoutPack.get(s.name)!.code,
    }));
  const forbidden = outcomes.filter((o) => o.expect === "blocked");
  const allowed = outcomes.filter((o) => o.expect === "passes");
  const summary: MatrixSummary = {
    forbidden: forbidden.length,
    blocked: forbidden.filter((o) => o.ok).length,
    allowed: allowed.length,
    passed: allowed.filter((o) => o.ok).length,
    msWithPack: timings.reduce((n, t) => n + t.msWithPack, 0),
    msWithoutPack: timings.reduce((n, t) => n + t.msWithoutPack, 0),
    timedPreviews: timings.length,
    concurrency,
    wallMs: Date.now() - started,
    resultsFile: path.relative(ROOT, resultsFile),
  };
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.writeFileSync(resultsFile, `${JSON.stringify({ summary, timings, outcomes }, null, 2)}\n`);
  return { summary, outcomes, timings };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const only = arg("--only")
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const concurrency = arg("--concurrency") ? Number(arg("--concurrency")) : undefined;
  const { summary, outcomes, timings } = await runMatrix({ only, concurrency, resultsFile: arg("--results"), log: (l) => process.stdout.write(`${l}\n`) });
  const failed = outcomes.filter((o) => !o.ok);
  for (const o of failed) process.stdout.write(`FAILED ${o.name}: ${o.problem}\n`);
  for (const t of timings) if (t.withoutPackExit !== 0) process.stdout.write(`note: ${t.name} exited ${t.withoutPackExit} without the pack\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return failed.length ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`[stackguard] test:policy-matrix: ${e.stack ?? e.message}\n`);
      process.exit(2);
    },
  );
}

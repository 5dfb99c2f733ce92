/**
 * Runs a GitHub Actions job's `run:` steps locally, in order, in a temp copy of the repository (what
 * `actions/checkout` gives a runner), so that a workflow is shown to work, not only to be well-formed.
 *
 * - `${{ … }}` expressions in `env:`, `run:`, `if:` and `environment:` are evaluated with a small evaluator of
 *   GitHub's expression language (literals, contexts, `! == != && ||`, parentheses, status functions, `contains`,
 *   `startsWith`, `endsWith`, `format`, `fromJSON`, `toJSON`) against test values for `inputs`, `matrix`,
 *   `secrets`, `vars` and `github`. Anything else throws: the harness never guesses.
 * - `uses:` steps cannot run here: each one must be on the {@link SKIPPABLE_ACTIONS} list (setup, cache, artifact and
 *   github-script actions whose work the harness replaces or does not need) or the run fails.
 * - Steps run as GitHub runs them: `bash --noprofile --norc -eo pipefail <script>`, with `$GITHUB_OUTPUT`, `$GITHUB_ENV`,
 *   `$GITHUB_PATH` and `$GITHUB_STEP_SUMMARY` files honoured between steps (outputs become `steps.<id>.outputs`).
 * - The environment is built from an allow-list (PATH, HOME, Go and cache settings), never the caller's whole
 *   environment, so a developer's RENDER_API_URL cannot leak into a run.
 * - The toolchain switch `vars.STACKGUARD_TOOLCHAIN` is `offline` unless a run sets it: the offline build
 *   (`npm run toolchain`) stands in for the official install, which needs internet.
 *
 * CLI: `npx ts-node --transpile-only test/support/workflow-steps.ts --workflow rollback --job validate
 *        --input stack=staging --input app=api [--matrix stack=staging] [--secret NAME=value] [--var NAME=value]`
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";

/** The repository root. */
const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Actions a local run skips, each with what stands in for it. Any other `uses:` fails the run, so that a new action
 * is a conscious addition here.
 */
export const SKIPPABLE_ACTIONS: Record<string, string> = {
  "actions/checkout": "the harness's temp copy of the repository is the checkout",
  "./.github/actions/setup": "Node 20 and Go are the machine's; the caches are the machine's ~/.cache/stackguard",
  "actions/setup-node": "Node 20 is the machine's",
  "actions/setup-go": "Go is the machine's",
  "actions/cache": "the machine's caches are used directly",
  "actions/upload-artifact": "artifacts stay in the checkout (.stackguard/ci)",
  "actions/download-artifact": "artifacts stay in the checkout (.stackguard/ci)",
  "actions/github-script": "talks to GitHub's API; its scripts (.github/scripts/upsert-*.js) are unit-tested",
};

// ---------------------------------------------------------------------------------------------------------------
// Expressions

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

/** The contexts an expression can read, plus the job's status so far. */
export interface ExprContext {
  contexts: Record<string, Value>;
  /** True once a previous step of the job failed. */
  failed: boolean;
}

type Token = { t: "str"; v: string } | { t: "num"; v: number } | { t: "id"; v: string } | { t: "op"; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in expression: ${src}`);
        if (src[i] === "'" && src[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (src[i] === "'") {
          i++;
          break;
        } else s += src[i++];
      }
      out.push({ t: "str", v: s });
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: "num", v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      out.push({ t: "id", v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (["==", "!=", "&&", "||", "<=", ">="].includes(two)) {
        out.push({ t: "op", v: two });
        i += 2;
      } else if ("!().,[]<>*".includes(c)) {
        out.push({ t: "op", v: c });
        i++;
      } else throw new Error(`unsupported character '${c}' in expression: ${src}`);
    }
  }
  return out;
}

const truthy = (v: Value | undefined): boolean =>
  !(v === null || v === undefined || v === false || v === 0 || v === "" || (typeof v === "number" && Number.isNaN(v)));

function toStr(v: Value | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (a === null || b === null) return a === b;
  if (typeof a === typeof b) return a === b;
  const num = (v: Value) => (typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : typeof v === "string" ? (v.trim() === "" ? 0 : Number(v)) : NaN);
  return num(a) === num(b);
}

/** Evaluates one GitHub Actions expression (the text inside `${{ }}`). */
export function evaluate(src: string, ctx: ExprContext): Value {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const eat = (v?: string) => {
    const t = toks[p++];
    if (!t || (v !== undefined && !(t.t === "op" && t.v === v))) throw new Error(`expected '${v ?? "a token"}' in expression: ${src}`);
    return t;
  };
  const isOp = (v: string) => peek()?.t === "op" && peek()!.v === v;

  function orExpr(): Value {
    let l = andExpr();
    while (isOp("||")) {
      eat();
      const r = andExpr();
      l = truthy(l) ? l : r;
    }
    return l;
  }
  function andExpr(): Value {
    let l = eqExpr();
    while (isOp("&&")) {
      eat();
      const r = eqExpr();
      l = truthy(l) ? r : l;
    }
    return l;
  }
  function eqExpr(): Value {
    let l = unary();
    while (isOp("==") || isOp("!=")) {
      const op = eat().v;
      const r = unary();
      l = op === "==" ? looseEquals(l, r) : !looseEquals(l, r);
    }
    return l;
  }
  function unary(): Value {
    if (isOp("!")) {
      eat();
      return !truthy(unary());
    }
    return postfix();
  }
  function postfix(): Value {
    let v = primary();
    for (;;) {
      if (isOp(".")) {
        eat();
        const id = eat();
        if (id.t !== "id") throw new Error(`expected a property name in expression: ${src}`);
        v = v !== null && typeof v === "object" && !Array.isArray(v) ? (v[id.v] ?? null) : null;
      } else if (isOp("[")) {
        eat();
        const key = orExpr();
        eat("]");
        v = v !== null && typeof v === "object" ? ((v as Record<string, Value>)[toStr(key)] ?? null) : null;
      } else return v;
    }
  }
  function primary(): Value {
    const t = eat();
    if (t.t === "str" || t.t === "num") return t.v;
    if (t.t === "op" && t.v === "(") {
      const v = orExpr();
      eat(")");
      return v;
    }
    if (t.t !== "id") throw new Error(`unexpected '${t.v}' in expression: ${src}`);
    if (t.v === "true") return true;
    if (t.v === "false") return false;
    if (t.v === "null") return null;
    if (isOp("(")) {
      eat();
      const args: Value[] = [];
      while (!isOp(")")) {
        args.push(orExpr());
        if (isOp(",")) eat();
      }
      eat(")");
      return call(t.v, args);
    }
    if (!(t.v in ctx.contexts))
      throw new Error(`unknown context '${t.v}' in expression: ${src} (the harness provides ${Object.keys(ctx.contexts).join(", ")})`);
    return ctx.contexts[t.v];
  }
  function call(name: string, args: Value[]): Value {
    switch (name) {
      case "success":
        return !ctx.failed;
      case "failure":
        return ctx.failed;
      case "always":
        return true;
      case "cancelled":
        return false;
      case "contains":
        return Array.isArray(args[0]) ? args[0].some((x) => looseEquals(x, args[1])) : toStr(args[0]).toLowerCase().includes(toStr(args[1]).toLowerCase());
      case "startsWith":
        return toStr(args[0]).toLowerCase().startsWith(toStr(args[1]).toLowerCase());
      case "endsWith":
        return toStr(args[0]).toLowerCase().endsWith(toStr(args[1]).toLowerCase());
      case "format":
        return toStr(args[0]).replace(/\{(\d+)\}/g, (_, i) => toStr(args[Number(i) + 1]));
      case "fromJSON":
        return JSON.parse(toStr(args[0])) as Value;
      case "toJSON":
        return JSON.stringify(args[0], null, 2);
      default:
        throw new Error(`the harness does not implement ${name}() (in expression: ${src})`);
    }
  }

  const v = orExpr();
  if (p !== toks.length) throw new Error(`unexpected trailing tokens in expression: ${src}`);
  return v;
}

/** Replaces every `${{ … }}` in `text` with its value rendered as GitHub renders it (null as ''). */
export function interpolate(text: string, ctx: ExprContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => toStr(evaluate(expr, ctx)));
}

/** Evaluates an `if:` (a bare expression or one wrapped in `${{ }}`); absent means `success()`. */
export function evaluateIf(cond: unknown, ctx: ExprContext): boolean {
  if (cond === undefined || cond === null) return !ctx.failed;
  if (typeof cond === "boolean") return cond && !ctx.failed;
  const text = String(cond).trim();
  const m = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  const expr = m ? m[1] : text;
  // GitHub adds an implicit success() unless the condition calls a status function itself.
  const hasStatus = /\b(success|failure|always|cancelled)\s*\(/.test(expr);
  return truthy(evaluate(expr, ctx)) && (hasStatus || !ctx.failed);
}

// ---------------------------------------------------------------------------------------------------------------
// Checkout

/**
 * Gives `to/node_modules` the packages of `from/node_modules` as one symlink per entry (never a symlink of the whole
 * directory: an `npm ci` in the copy then removes the links, not the shared packages), and a copy of the install
 * marker tools/scripts/lib/setup.js wrote there: the copy's lock file is the same, so its setup sees it installed.
 */
function linkNodeModules(from: string, to: string): void {
  const src = path.join(from, "node_modules");
  const marker = path.join(src, ".stackguard-installed");
  if (!fs.existsSync(marker)) throw new Error(`${src} is not marked installed: run \`npm test\` once so the dependencies are installed, then re-run.`);
  const dst = path.join(to, "node_modules");
  fs.mkdirSync(dst, { recursive: true });
  for (const entry of fs.readdirSync(src)) {
    if (entry === ".stackguard-installed") continue;
    fs.symlinkSync(path.join(src, entry), path.join(dst, entry));
  }
  fs.copyFileSync(marker, path.join(dst, ".stackguard-installed"));
}

/**
 * Copies the repository's files (tracked and untracked, not ignored: what a push would carry) into a temp dir and
 * links the installed dependencies of the program and of the policy pack.
 */
export function createCheckout(root = ROOT): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-wf-"));
  const ls = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (ls.status !== 0) throw new Error(`git ls-files failed in ${root}: ${ls.stderr}`);
  for (const rel of ls.stdout.split("\0").filter(Boolean)) {
    const from = path.join(root, rel);
    if (!fs.existsSync(from) || fs.lstatSync(from).isDirectory()) continue; // deleted in the work tree, or a submodule
    const to = path.join(dir, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    fs.chmodSync(to, fs.statSync(from).mode);
  }
  linkNodeModules(root, dir);
  if (fs.existsSync(path.join(root, "policies", "package.json"))) linkNodeModules(path.join(root, "policies"), path.join(dir, "policies"));
  return dir;
}

// ---------------------------------------------------------------------------------------------------------------
// Jobs

/** What a test supplies for one job run. */
export interface JobRunOptions {
  /** Workflow file name under .github/workflows (e.g. `rollback.yml`) or a path. */
  workflow: string;
  job: string;
  /** The checkout to run in (see {@link createCheckout}); the workflow file is read from it. */
  cwd: string;
  inputs?: Record<string, Value>;
  matrix?: Record<string, Value>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** The `github` context (event, repository, ref…); `workspace`, `run_id`, `ref` (`refs/heads/main`) and friends get defaults. */
  github?: Record<string, Value>;
  /** Run only the steps up to and including this step name (or id). */
  until?: string;
  /** Per-step timeout, ms (default 10 min). */
  stepTimeoutMs?: number;
  /** Extra allow-listed environment for every step (e.g. a cache root). */
  baseEnv?: Record<string, string>;
}

/** What happened to one step. */
export interface StepResult {
  name: string;
  id?: string;
  status: "passed" | "failed" | "skipped-uses" | "skipped-if";
  /** For `uses:` steps: the action and why skipping it is sound here. */
  reason?: string;
  code?: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** Wall-clock time of a `run:` step, ms (for figures, never for assertions). */
  durationMs?: number;
  /**
   * The environment the step got: for `run:` steps the process's (the allow-listed base, `env:` of workflow, job and
   * step, `$GITHUB_ENV` additions); for `uses:` steps the `env:` an action would get. A test can assert what a step
   * could see, e.g. that no Render key reached it.
   */
  env?: Record<string, string>;
}

/** What happened to a job. */
export interface JobResult {
  /** `false` when the job's own `if:` was false (no step ran). */
  ran: boolean;
  /** The evaluated `environment:` name (the GitHub environment whose secrets the job gets). */
  environment?: string;
  /** The evaluated concurrency group. */
  concurrency?: string;
  ok: boolean;
  steps: StepResult[];
  summary: string;
}

const ALLOWED_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LANG",
  "LC_ALL",
  "TMPDIR",
  "SHELL",
  "GOPATH",
  "GOMODCACHE",
  "GOCACHE",
  "GOFLAGS",
  "GOPROXY",
  "GOSUMDB",
  "GOTOOLCHAIN",
  "XDG_CACHE_HOME",
  "STACKGUARD_CACHE",
  "STACKGUARD_PULUMI_BIN_DIR",
  "npm_config_cache",
];

function readKeyValueFile(file: string): Record<string, string> {
  if (!fs.existsSync(file)) return {};
  const out: Record<string, string> = {};
  const lines = fs.readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<\s]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]);
      out[heredoc[1]] = body.join("\n");
    } else if (line.includes("=")) {
      out[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return out;
}

function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const file = path.join(env.RUNNER_TEMP as string, `step-${process.hrtime.bigint()}.sh`);
    fs.writeFileSync(file, script);
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], { cwd, env, detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    // The whole process group: a step's children (npm → node → pulumi) must not outlive its timeout.
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 124 : 1), stdout, stderr });
    });
  });
}

/** Reads a workflow file from a checkout. */
function loadWorkflow(cwd: string, workflow: string): any {
  const file = workflow.includes("/") ? path.resolve(cwd, workflow) : path.join(cwd, ".github", "workflows", workflow);
  return YAML.parse(fs.readFileSync(file, "utf8"));
}

function actionName(uses: string): string {
  return uses.startsWith("./") ? uses : uses.replace(/@.*$/, "");
}

/** Evaluates each value of an `env:` map in order, later keys seeing earlier ones through `env.`. */
function evalEnv(map: Record<string, unknown> | undefined, ctx: ExprContext, env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) {
    out[k] = interpolate(toStr(v as Value), { ...ctx, contexts: { ...ctx.contexts, env: { ...env, ...out } } });
  }
  return out;
}

/**
 * Runs one job's steps: `run:` steps with bash, `uses:` steps skipped (only those on {@link SKIPPABLE_ACTIONS}).
 * Stops at the first failing step (later steps run only if their `if:` asks for it, as on GitHub).
 */
export async function runJob(o: JobRunOptions): Promise<JobResult> {
  const wf = loadWorkflow(o.cwd, o.workflow);
  const job = wf.jobs?.[o.job];
  if (!job) throw new Error(`${o.workflow} has no job '${o.job}' (jobs: ${Object.keys(wf.jobs ?? {}).join(", ")})`);
  if (job.uses) throw new Error(`job '${o.job}' calls the reusable workflow ${job.uses}: run that workflow's job instead`);

  const declared = job.strategy?.matrix;
  for (const [k, v] of Object.entries(o.matrix ?? {})) {
    const options = declared?.[k];
    if (Array.isArray(options) && !options.includes(v)) throw new Error(`matrix.${k}=${String(v)} is not one of the job's values (${options.join(", ")})`);
  }

  const temp = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-runner-"));
  const files = {
    GITHUB_OUTPUT: "",
    GITHUB_ENV: path.join(temp, "env"),
    GITHUB_PATH: path.join(temp, "path"),
    GITHUB_STEP_SUMMARY: path.join(temp, "summary.md"),
  };
  for (const f of [files.GITHUB_ENV, files.GITHUB_PATH, files.GITHUB_STEP_SUMMARY]) fs.writeFileSync(f, "");

  const github: Record<string, Value> = {
    workspace: o.cwd,
    repository: "alphaplatform/stackguard",
    server_url: "https://github.com",
    run_id: "1",
    run_attempt: "1",
    event_name: "workflow_dispatch",
    ref: "refs/heads/main",
    event: {},
    ...(o.github ?? {}),
  };
  const steps: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
  const ctx = (env: Record<string, string>, failed: boolean): ExprContext => ({
    contexts: {
      github,
      inputs: o.inputs ?? {},
      matrix: o.matrix ?? {},
      secrets: o.secrets ?? {},
      // The harness runs offline: the toolchain switch says so unless a test sets it (the official install needs
      // internet; `npm run toolchain`'s offline build stands in for it).
      vars: { STACKGUARD_TOOLCHAIN: "offline", ...(o.vars ?? {}) },
      env,
      steps: steps as unknown as Value,
      runner: { os: "Linux", temp },
      job: { status: failed ? "failure" : "success" },
    },
    failed,
  });

  const result: JobResult = { ran: true, ok: true, steps: [], summary: "" };
  if (job.if !== undefined && !evaluateIf(job.if, ctx({}, false))) return { ...result, ran: false };
  if (job.environment !== undefined)
    result.environment = interpolate(toStr(typeof job.environment === "object" ? job.environment.name : job.environment), ctx({}, false));
  if (job.concurrency !== undefined)
    result.concurrency = interpolate(toStr(typeof job.concurrency === "object" ? job.concurrency.group : job.concurrency), ctx({}, false));

  const base: Record<string, string> = {
    CI: "true",
    RUNNER_TEMP: temp,
    GITHUB_WORKSPACE: o.cwd,
    GITHUB_REPOSITORY: String(github.repository),
    GITHUB_RUN_ID: String(github.run_id),
  };
  for (const k of ALLOWED_ENV) if (process.env[k] !== undefined) base[k] = process.env[k] as string;
  Object.assign(base, o.baseEnv ?? {});
  const wfEnv = evalEnv(wf.env, ctx({}, false), {});
  const jobEnv = evalEnv(job.env, ctx(wfEnv, false), wfEnv);
  let fromSteps: Record<string, string> = {};
  let extraPath: string[] = [];
  let failed = false;

  for (const [i, step] of (job.steps as any[]).entries()) {
    const name: string = step.name ?? step.uses ?? `step ${i + 1}`;
    const env = { ...wfEnv, ...jobEnv, ...fromSteps };
    if (step.uses) {
      const action = actionName(step.uses);
      const reason = SKIPPABLE_ACTIONS[action];
      if (!reason)
        throw new Error(
          `step '${name}' uses ${step.uses}, which the local harness cannot run and does not know how to skip: add it to SKIPPABLE_ACTIONS with what stands in for it`,
        );
      // Not run, but what the action would get in its environment is recorded all the same.
      const actionEnv = { ...env, ...evalEnv(step.env, ctx(env, failed), env) };
      result.steps.push({ name, id: step.id, status: "skipped-uses", reason: `${action}: ${reason}`, stdout: "", stderr: "", outputs: {}, env: actionEnv });
    } else if (!evaluateIf(step.if, ctx(env, failed))) {
      result.steps.push({ name, id: step.id, status: "skipped-if", stdout: "", stderr: "", outputs: {} });
    } else {
      const stepEnv = { ...env, ...evalEnv(step.env, ctx(env, failed), env) };
      const script = interpolate(String(step.run), ctx(stepEnv, failed));
      files.GITHUB_OUTPUT = path.join(temp, `output-${i}`);
      fs.writeFileSync(files.GITHUB_OUTPUT, "");
      const procEnv = { ...base, ...stepEnv, ...files, PATH: [...extraPath, base.PATH].join(path.delimiter) };
      const cwd = step["working-directory"] ? path.resolve(o.cwd, interpolate(String(step["working-directory"]), ctx(stepEnv, failed))) : o.cwd;
      const t0 = Date.now();
      const r = await runBash(script, cwd, procEnv, o.stepTimeoutMs ?? 600_000);
      const durationMs = Date.now() - t0;
      const outputs = readKeyValueFile(files.GITHUB_OUTPUT);
      const status = r.code === 0 ? "passed" : "failed";
      result.steps.push({
        name,
        id: step.id,
        status,
        code: r.code,
        stdout: r.stdout,
        stderr: r.stderr,
        outputs,
        durationMs,
        env: { ...procEnv } as Record<string, string>,
      });
      if (step.id) steps[step.id] = { outputs, outcome: status === "passed" ? "success" : "failure" };
      fromSteps = { ...fromSteps, ...readKeyValueFile(files.GITHUB_ENV) };
      extraPath = fs.readFileSync(files.GITHUB_PATH, "utf8").split("\n").filter(Boolean).reverse();
      if (r.code !== 0 && !step["continue-on-error"]) failed = true;
    }
    if (o.until && (step.name === o.until || step.id === o.until)) break;
  }
  result.ok = !failed;
  result.summary = fs.readFileSync(files.GITHUB_STEP_SUMMARY, "utf8");
  fs.rmSync(temp, { recursive: true, force: true });
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// CLI

function pairs(argv: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  argv.forEach((a, i) => {
    if (a === flag) {
      const kv = argv[i + 1] ?? "";
      if (!kv.includes("=")) throw new Error(`${flag} takes NAME=value (got '${kv}')`);
      out[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
    }
  });
  return out;
}

async function cli(argv: string[]): Promise<number> {
  const opt = (f: string) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : undefined);
  const workflow = opt("--workflow");
  const job = opt("--job");
  if (!workflow || !job) {
    process.stderr.write(
      "usage: test/support/workflow-steps.ts --workflow <name> --job <job> [--input k=v] [--matrix k=v] [--secret K=v] [--var K=v] [--until <step>] [--keep]\n",
    );
    return 2;
  }
  const cwd = createCheckout();
  try {
    const r = await runJob({
      workflow: workflow.endsWith(".yml") ? workflow : `${workflow}.yml`,
      job,
      cwd,
      inputs: pairs(argv, "--input"),
      matrix: pairs(argv, "--matrix"),
      secrets: pairs(argv, "--secret"),
      vars: pairs(argv, "--var"),
      until: opt("--until"),
    });
    for (const s of r.steps) {
      const took = s.durationMs !== undefined ? ` ${(s.durationMs / 1000).toFixed(1)} s` : "";
      process.stdout.write(`${s.status.padEnd(12)} ${s.name}${s.reason ? ` (${s.reason})` : ""}${s.code !== undefined ? ` [exit ${s.code}]` : ""}${took}\n`);
      if (s.status === "failed") process.stdout.write(`${s.stdout}${s.stderr}\n`);
    }
    process.stdout.write(r.ran ? `job ${r.ok ? "passed" : "failed"}\n` : "job skipped by its if:\n");
    return r.ok ? 0 : 1;
  } finally {
    if (argv.includes("--keep")) process.stderr.write(`checkout kept at ${cwd}\n`);
    else fs.rmSync(cwd, { recursive: true, force: true });
  }
}

if (require.main === module) {
  cli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`workflow-steps: ${(e as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}

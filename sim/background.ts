import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { resolveApiKey } from "./index";

/**
 * Background mode used by `npm start` / `npm run pulumi`: one detached simulator per repository, described by
 * `.stackguard/sim/{pid,url,state}` and logging to `.stackguard/sim/sim.log`. `ensureSimulator` reuses a live one
 * (checked with `GET /__sim/health`) and starts one otherwise; `stopSimulator` ends it.
 */
const REPO_ROOT = resolve(__dirname, "..");

/** Where the pid, url and log files live (override with `STACKGUARD_SIM_DIR`, used by tests). */
function runDir(): string {
  return resolve(process.env.STACKGUARD_SIM_DIR ?? join(REPO_ROOT, ".stackguard", "sim"));
}

/** A simulator running in the background. */
export interface BackgroundSimulator {
  url: string;
  /** `${url}/v1`. */
  apiUrl: string;
  apiKey: string;
  pid: number;
  /** True when this call started it, false when an already running one was reused. */
  started: boolean;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/__sim/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok && ((await res.json()) as { status?: string }).status === "ok";
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the simulator detached unless a healthy one for the same state directory is already running. */
export async function ensureSimulator(opts: {
  stateDir: string;
  port?: number;
  timeScale?: number;
  log?: (message: string) => void;
}): Promise<BackgroundSimulator> {
  const dir = runDir();
  mkdirSync(dir, { recursive: true });
  const stateDir = resolve(opts.stateDir);
  const pid = Number(read(join(dir, "pid")));
  const url = read(join(dir, "url"));
  if (pid && url && alive(pid) && (await healthy(url))) {
    const runningState = read(join(dir, "state"));
    if (runningState !== stateDir) {
      throw new Error(`a simulator for state ${runningState} is running (pid ${pid}); stop it with "npm run sim:stop" to use ${stateDir}`);
    }
    return { url, apiUrl: `${url}/v1`, apiKey: resolveApiKey(stateDir), pid, started: false };
  }
  for (const f of ["pid", "url", "state"]) rmSync(join(dir, f), { force: true });
  const logFile = join(dir, "sim.log");
  opts.log?.(`starting the Render simulator in the background (state ${stateDir}, log ${logFile})…`);
  const log = openSync(logFile, "w");
  const args = ["-r", "ts-node/register/transpile-only", join(REPO_ROOT, "sim", "cli.ts"), "--port", String(opts.port ?? 0), "--state", stateDir];
  if (opts.timeScale !== undefined) args.push("--time-scale", String(opts.timeScale));
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", TS_NODE_PROJECT: join(REPO_ROOT, "tsconfig.json") },
  });
  closeSync(log);
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const line = (read(logFile) ?? "").split("\n").find((l) => l.includes("listening on "));
    const found = line && /listening on (http:\/\/\S+)/.exec(line)?.[1];
    if (found && (await healthy(found))) {
      writeFileSync(join(dir, "pid"), `${child.pid}\n`);
      writeFileSync(join(dir, "url"), `${found}\n`);
      writeFileSync(join(dir, "state"), `${stateDir}\n`);
      return { url: found, apiUrl: `${found}/v1`, apiKey: resolveApiKey(stateDir), pid: child.pid!, started: true };
    }
    if (child.exitCode !== null || !alive(child.pid!)) break;
    await sleep(200);
  }
  if (child.pid && alive(child.pid)) process.kill(child.pid, "SIGTERM");
  throw new Error(`the simulator did not start within 60 s; see ${logFile}:\n${(read(logFile) ?? "").slice(-2000)}`);
}

/** Stops the background simulator (SIGTERM, then SIGKILL after 10 s) and removes its pid/url files. */
export async function stopSimulator(_stateDir?: string): Promise<{ stopped: boolean; pid?: number }> {
  const dir = runDir();
  const pid = Number(read(join(dir, "pid")));
  const clean = () => {
    for (const f of ["pid", "url", "state"]) rmSync(join(dir, f), { force: true });
  };
  if (!pid || !alive(pid)) {
    clean();
    return { stopped: false };
  }
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, "SIGKILL");
  clean();
  return { stopped: true, pid };
}

if (require.main === module) {
  // `npm run sim:stop`
  stopSimulator().then(
    (r) => process.stdout.write(r.stopped ? `stopped the simulator (pid ${r.pid})\n` : "no simulator was running\n"),
    (e) => {
      process.stderr.write(`${String(e)}\n`);
      process.exit(1);
    },
  );
}

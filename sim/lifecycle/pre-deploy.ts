import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { findPostgres } from "../databases/postgres-binaries";
import { redact, secretValues } from "../dataplane/redact";
import { commandEnv, writeSecretFiles } from "../dataplane/render-env";
import type { ServiceRuntimeSpec } from "../dataplane/types";

/** Longest a pre-deploy command may run before the deploy fails (`pre_deploy_failed`); a real migration may be slow. */
const PRE_DEPLOY_TIMEOUT_MS = 30 * 60_000;
/** Output kept for the failure reason (the tail: the error is usually last). */
const TAIL_BYTES = 4 * 1024;
/** Raw output buffered before redaction; cut at line starts so a secret is never kept in part. */
const RAW_BYTES = 256 * 1024;
/** SIGTERM → SIGKILL grace for a command that timed out. */
const KILL_GRACE_MS = 3_000;

/** Process groups of commands still running, killed if the simulator exits first (they are detached). */
const running = new Set<number>();
let exitHook = false;
function killOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on("exit", () => {
    for (const pid of running) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
}

/** How a pre-deploy command ended. `output` is the redacted tail of its stdout and stderr. */
export interface PreDeployResult {
  ok: boolean;
  /** Exit code, or null when killed by a signal (e.g. at the timeout). */
  code: number | null;
  /** Why it failed, for the deploy's event: exit code or timeout, then the output's last line. */
  reason?: string;
  output: string;
}

/**
 * Runs a service's `preDeployCommand` as Render does (https://render.com/docs/deploys#pre-deploy-command): in a
 * shell (`/bin/sh -c`), as a separate process from the running instances, with the deploy's env (the service's env
 * vars merged over its linked env groups', captured when the deploy started, so `DATABASE_URL` is there when set) and
 * its secret files. The simulator has no image or checkout, so the command runs in an empty scratch directory
 * (removed afterwards) and must name what it runs by absolute path (e.g. `psql "$DATABASE_URL" -f /abs/0002.sql`).
 * PostgreSQL's client programs (`psql`) are on `PATH`, as in Render's native runtimes. Of the simulator's own
 * environment only `PATH`, `HOME`, `LANG`, `LC_ALL`, `TZ`, `TMPDIR` pass: never its API keys. The whole process group
 * is killed at `timeoutMs`, when `signal` aborts (the deploy was canceled, the simulator stops) or when the simulator
 * exits.
 */
export function runPreDeploy(command: string, spec: ServiceRuntimeSpec, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<PreDeployResult> {
  const timeoutMs = opts.timeoutMs ?? PRE_DEPLOY_TIMEOUT_MS;
  const scratch = mkdtempSync(join(tmpdir(), "sim-predeploy-"));
  const secretsDir = join(scratch, ".secrets");
  const workDir = join(scratch, "work");
  writeSecretFiles(secretsDir, spec.secretFiles);
  writeSecretFiles(workDir, {});
  const env = commandEnv(spec, secretsDir);
  const pg = findPostgres();
  if ("bin" in pg) env.PATH = [pg.bin, env.PATH].filter(Boolean).join(delimiter);
  const secrets = secretValues(spec.env, spec.secretFiles);
  return new Promise((resolve) => {
    let tail = "";
    let timedOut = false;
    let aborted = false;
    let settled = false;
    const keep = (chunk: Buffer) => {
      tail += chunk.toString("utf8");
      if (tail.length > RAW_BYTES) {
        const cut = tail.indexOf("\n", tail.length - RAW_BYTES);
        tail = cut < 0 ? "" : tail.slice(cut + 1);
      }
    };
    const child = spawn("/bin/sh", ["-c", command], { cwd: workDir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const end = () => {
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      end();
    }, timeoutMs);
    timer.unref();
    const onAbort = () => {
      aborted = true;
      end();
    };
    if (child.pid) {
      running.add(child.pid);
      killOnExit();
    }
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });
    const done = (code: number | null, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (child.pid) running.delete(child.pid);
      rmSync(scratch, { recursive: true, force: true });
      let output = redact(tail, secrets);
      if (output.length > TAIL_BYTES) output = output.slice(output.indexOf("\n", output.length - TAIL_BYTES) + 1);
      const last = output.trim().split(/\r?\n/).pop() ?? "";
      const ok = !timedOut && !aborted && !error && code === 0;
      const why = error
        ? `could not start: ${error.message}`
        : aborted
          ? "was stopped (deploy canceled or simulator stopping)"
          : timedOut
            ? `timed out after ${timeoutMs} ms`
            : `exited with ${code === null ? "a signal" : `code ${code}`}`;
      resolve({ ok, code, output, reason: ok ? undefined : `pre-deploy command ${why}${last ? `: ${last.slice(0, 500)}` : ""}` });
    };
    child.on("error", (e) => done(null, e));
    child.on("close", (code) => done(code));
  });
}

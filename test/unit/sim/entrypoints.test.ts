import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureSimulator, stopSimulator } from "../../../sim/background";
import { parseArgs } from "../../../sim/cli";

const ROOT = resolve(__dirname, "..", "..", "..");

describe("simulator entry points", () => {
  it("parses the CLI and names the bad flag", () => {
    expect(parseArgs(["--port", "0", "--state", "/tmp/x", "--time-scale", "0.01", "--rate-limit", "relaxed"])).toEqual({
      port: 0,
      state: "/tmp/x",
      timeScale: 0.01,
      rateLimit: "relaxed",
    });
    expect(() => parseArgs(["--port", "70000"])).toThrow(/--port 70000/);
    expect(() => parseArgs(["--time-scale", "0"])).toThrow(/--time-scale 0 must be a positive number/);
    expect(() => parseArgs(["--rate-limit", "off"])).toThrow(/"render" or "relaxed"/);
    expect(() => parseArgs(["--bogus"])).toThrow(/unknown option --bogus/);
    expect(() => parseArgs(["--state"])).toThrow(/--state needs a value/);
  });

  it("npm run sim prints a line with `listening` and the URL, serves, and stops on SIGTERM", async () => {
    const state = mkdtempSync(join(tmpdir(), "sg-sim-cli-"));
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "sim/cli.ts", "--port", "0", "--state", state, "--time-scale", "0.01"], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", SIM_API_KEY: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      const url = await new Promise<string>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no listening line: ${out}`)), 45_000);
        child.stdout.on("data", (d) => {
          out += d;
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(t);
            res(m[1]);
          }
        });
      });
      const key = readFileSync(join(state, "api-key"), "utf8").trim();
      expect(out).not.toContain(key);
      const r = await fetch(`${url}/v1/owners`, { headers: { Authorization: `Bearer ${key}` } });
      expect(r.status).toBe(200);
      const exited = new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(state, { recursive: true, force: true });
    }
  });

  it("background mode starts once, reuses the running simulator, and stops it", async () => {
    const run = mkdtempSync(join(tmpdir(), "sg-sim-run-"));
    const state = mkdtempSync(join(tmpdir(), "sg-sim-bg-"));
    process.env.STACKGUARD_SIM_DIR = run;
    try {
      const first = await ensureSimulator({ stateDir: state });
      expect(first.started).toBe(true);
      expect(readFileSync(join(run, "pid"), "utf8").trim()).toBe(String(first.pid));
      const health = await fetch(`${first.url}/__sim/health`);
      expect(((await health.json()) as { status: string }).status).toBe("ok");
      const second = await ensureSimulator({ stateDir: state });
      expect(second).toEqual({ ...first, started: false });
      const other = mkdtempSync(join(tmpdir(), "sg-sim-bg2-"));
      await expect(ensureSimulator({ stateDir: other })).rejects.toThrow(/npm run sim:stop/);
      rmSync(other, { recursive: true, force: true });
      const r = await fetch(`${first.url}/v1/services/srv-alphastackengine0000`, { headers: { Authorization: `Bearer ${first.apiKey}` } });
      expect(r.status).toBe(200);
      expect(await stopSimulator()).toEqual({ stopped: true, pid: first.pid });
      expect(existsSync(join(run, "pid"))).toBe(false);
      await expect(fetch(`${first.url}/__sim/health`)).rejects.toThrow();
      expect(await stopSimulator()).toEqual({ stopped: false });
    } finally {
      await stopSimulator();
      delete process.env.STACKGUARD_SIM_DIR;
      rmSync(run, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    }
  }, 120_000);
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type RunningSimulator, type StartOptions } from "../../../sim";
import { SEED } from "../../../sim/seed";

/** A fresh state directory under the OS temp dir. */
export function tempState(): string {
  return mkdtempSync(join(tmpdir(), "sg-sim-"));
}

/** An HTTP answer of the simulator. */
export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** Minimal Render API client over fetch (tests talk HTTP to a real simulator). */
export function client(sim: Pick<RunningSimulator, "apiUrl" | "apiKey" | "url">) {
  const call = async (method: string, path: string, body?: unknown, opts: { raw?: string; key?: string | null; admin?: boolean } = {}): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (opts.key !== null) headers.Authorization = `Bearer ${opts.key ?? sim.apiKey}`;
    let payload: string | undefined = opts.raw;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${opts.admin ? sim.url : sim.apiUrl}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return {
    call,
    get: (p: string) => call("GET", p),
    post: (p: string, b?: unknown) => call("POST", p, b),
    put: (p: string, b?: unknown) => call("PUT", p, b),
    patch: (p: string, b?: unknown) => call("PATCH", p, b),
    del: (p: string) => call("DELETE", p),
  };
}

/** Starts a simulator on an ephemeral port with its own state dir; `done()` stops it and removes the state. */
export async function withSim(opts: Partial<StartOptions> = {}) {
  const stateDir = opts.stateDir ?? tempState();
  let sim: RunningSimulator;
  try {
    sim = await startSimulator({ timeScale: 0.01, rateLimit: "relaxed", apiKey: "test-key", ...opts, stateDir });
  } catch (e) {
    if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  return {
    sim,
    stateDir,
    api: client(sim),
    async done(keepState = false) {
      await sim.stop();
      if (!keepState) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 10_000, every = 25): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export const STAGING = SEED.stagingOwner;

/** A minimal image-backed web service body for the staging workspace. */
export function imageWebService(name: string, extra: Record<string, unknown> = {}) {
  return {
    type: "web_service",
    name,
    ownerId: STAGING,
    image: { ownerId: STAGING, imagePath: "docker.io/acme/web:1.0.0" },
    serviceDetails: { runtime: "image", healthCheckPath: "/healthz", ...extra },
  };
}

/** A git-backed web service body (has a build phase). */
export function gitWebService(name: string, details: Record<string, unknown> = {}) {
  return {
    type: "web_service",
    name,
    ownerId: STAGING,
    repo: "https://github.com/render-examples/express-hello-world",
    branch: "main",
    serviceDetails: { runtime: "node", envSpecificDetails: { buildCommand: "npm ci", startCommand: "npm start" }, ...details },
  };
}

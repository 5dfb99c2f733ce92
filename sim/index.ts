import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { adminHandler } from "./admin";
import { allRoutes } from "./api";
import type { OverlappingDeployPolicy, SimApp, SimOptions } from "./app";
import { Databases } from "./databases";
import { DataPlane } from "./dataplane";
import { runtimeSpec, type ServiceRec } from "./domain/services";
import { DeployLifecycle } from "./lifecycle/deploys";
import type { RateLimitMode } from "./ratelimit";
import { seed } from "./seed";
import { seededKeys, type SeededKeyName } from "./domain/users";
import { startDatabases } from "./databases/resume";
import { createSimServer } from "./server";
import { Store } from "./store/db";
import { LogCollector, type CollectedMessage } from "./streams/log-collector";
import { LogForwarder } from "./streams/log-forwarder";
import { MetricsPusher } from "./streams/metrics-push";

/** Options of {@link startSimulator}. */
export interface StartOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Directory for `sim.db`, `api-key`, `state-key` and the data plane's files; created when missing. */
  stateDir: string;
  /** Duration factor (default `SIM_TIME_SCALE` or 1 = Render's realistic timing; tests use e.g. 0.01). */
  timeScale?: number;
  /** `render` (default, or `SIM_RATE_LIMIT`) or `relaxed` (every limit × 100). */
  rateLimit?: RateLimitMode;
  /** Bearer key; default `SIM_API_KEY`, else one generated once and kept in `<stateDir>/api-key` (0600). */
  apiKey?: string;
  /** Default overlapping-deploy policy for workspaces without their own (Render's default is `override`). */
  overlappingDeployPolicy?: OverlappingDeployPolicy;
  /**
   * Real PostgreSQL / Redis servers behind Postgres and Key Value instances (default true: whatever is installed;
   * a kind whose server is not installed stays records only, with one warning). `false`: records only.
   */
  realDatabases?: boolean;
  /** Where `stackguard/<app>` images find `apps/<app>/index.ts` (default: this repository; tests use `test/fixtures`). */
  appsRoot?: string;
}

/** A running simulator. */
export interface RunningSimulator {
  url: string;
  /** `${url}/v1`. */
  apiUrl: string;
  apiKey: string;
  /** The local syslog-over-TLS log collector: point a log stream at `endpoint` to receive the services' logs. */
  logCollector: { endpoint: string; cert: string; messages(): CollectedMessage[] };
  /**
   * The seeded users' own API keys (`<stateDir>/api-keys/<name>`): `ci-production`, `ci-staging`, `edge` (Developer),
   * `guardian` (Viewer), `alphastack-admin` (Admin of AlphaStack's workspace). `apiKey` is the operator's (Admin).
   */
  keys: Record<SeededKeyName, string>;
  stop(): Promise<void>;
}

const REPO_ROOT = resolve(__dirname, "..");

/** The API key for a state directory: explicit, `SIM_API_KEY`, or generated once into `<stateDir>/api-key`. */
export function resolveApiKey(stateDir: string, explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.SIM_API_KEY) return process.env.SIM_API_KEY;
  const file = join(stateDir, "api-key");
  if (!existsSync(file)) {
    mkdirSync(stateDir, { recursive: true });
    try {
      writeFileSync(file, `rnd_${randomBytes(24).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  return readFileSync(file, "utf8").trim();
}

function parseScale(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`SIM_TIME_SCALE=${raw} is not a positive number`);
  return n;
}

/**
 * Starts the embedded Render on 127.0.0.1: opens (or creates) the state, seeds AlphaStack's production, resumes
 * in-flight deploys, has the data plane serve every live service, then listens.
 */
export async function startSimulator(opts: StartOptions): Promise<RunningSimulator> {
  const stateDir = resolve(opts.stateDir);
  const timeScale = opts.timeScale ?? parseScale(process.env.SIM_TIME_SCALE) ?? 1;
  if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  const rateLimit: RateLimitMode = opts.rateLimit ?? (process.env.SIM_RATE_LIMIT === "relaxed" ? "relaxed" : "render");
  const options: SimOptions = { timeScale, rateLimit, overlappingDeployPolicy: opts.overlappingDeployPolicy ?? "override" };
  const store = new Store(stateDir);
  const apiKey = resolveApiKey(stateDir, opts.apiKey);
  const dataPlane = new DataPlane({ stateDir: join(stateDir, "dataplane"), repoRoot: opts.appsRoot ? resolve(opts.appsRoot) : REPO_ROOT, host: "127.0.0.1" });
  // The life cycle needs the app and the app holds the life cycle: built in two steps.
  const databases = new Databases({ stateDir, real: opts.realDatabases ?? process.env.SIM_REAL_DATABASES !== "0", signingKey: `${apiKey}:exports` });
  const app: SimApp = {
    store,
    dataPlane,
    options,
    databases,
    scaled: (s: number) => Math.round(s * 1000 * timeScale),
    lifecycle: undefined as unknown as DeployLifecycle,
  };
  app.lifecycle = new DeployLifecycle(app);
  const keys = seededKeys(stateDir);
  seed(app, keys);
  // Every database that exists (AlphaStack's seeded one included) answers before the API does.
  await startDatabases(app);
  app.lifecycle.resumeAll();
  for (const s of store.list<ServiceRec>("service")) {
    const spec = runtimeSpec(app, s.data);
    if (spec) void dataPlane.apply(spec).catch(() => undefined);
  }
  const server = createSimServer({ app, apiKey, routes: allRoutes(), admin: adminHandler(app, apiKey, Date.now()) });
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(opts.port ?? 0, "127.0.0.1", () => res());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  databases.baseUrl = url;
  // Workspaces with a metrics stream get their services' metrics pushed (OTLP/HTTP JSON), as Render does.
  const metricsPusher = new MetricsPusher(app);
  metricsPusher.start();
  // A local log collector, and the forwarding of the apps' (redacted) logs to each workspace's log stream.
  const logCollector = new LogCollector(stateDir);
  await logCollector.start();
  const logForwarder = new LogForwarder(app, join(stateDir, "dataplane", "logs"), [logCollector.cert]);
  logForwarder.start();
  let stopped: Promise<void> | undefined;
  return {
    url,
    apiUrl: `${url}/v1`,
    apiKey,
    keys,
    logCollector: { endpoint: logCollector.endpoint, cert: logCollector.cert, messages: () => logCollector.messages() },
    stop() {
      stopped ??= (async () => {
        app.lifecycle.stop();
        await metricsPusher.stop();
        await logForwarder.stop();
        await logCollector.stop();
        await new Promise<void>((res) => {
          server.close(() => res());
          server.closeAllConnections();
        });
        await dataPlane.stop().catch(() => undefined);
        await databases.stop().catch(() => undefined);
        store.close();
      })();
      return stopped;
    },
  };
}

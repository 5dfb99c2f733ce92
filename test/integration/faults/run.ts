/**
 * Fault injection on the real engine (issue 4): "with 20% of requests answered 5xx or 429 by the simulator, a full
 * `up` of the staging stack converges to the same final state as without faults, with no duplicate and no orphaned
 * resource".
 *
 * `npm run test:faults -- [--runs 10] [--rate 0.2] [--seed 1] [--dump <dir>]`; `test/integration/faults.test.ts` runs it
 * with 2 runs (`--dump` writes the normalised reference and each run's snapshot as JSON).
 *
 * One simulator (in process, time scale 0.01, relaxed rate limits: ten `up`s create more services than Render's
 * 20-per-hour bucket allows). First a reference `up` without faults; then `runs` times, each in a fresh project copy
 * (own file backend, own PULUMI_HOME) with a fresh `staging` stack: faults on (`PUT /__sim/api-faults`: `rate` of all
 * Render API requests answered 500/502/503/429, half of the 5xx after the change was committed), one `up` with the
 * policy pack, faults off, then the checks. Each run must pass with its first `up`: no retried `up` (a user does not
 * re-run `up` for a 5xx; the client's retries and the providers' adoption must absorb them).
 *
 * Per run: `up` exits 0; the workspace's normalised state (services and their live deploy, env vars, secret files,
 * custom domains, env groups and their links, Postgres; names and settings, never ids, URLs or timestamps) equals
 * the reference; no duplicate (two objects of one kind with one name); no orphan (a Render object of the workspace
 * whose id is not in the stack's state). Between runs the stack is destroyed without faults and whatever is left in
 * the workspace is removed, so each run starts from the same empty staging workspace (the program names its
 * services from config, so two stacks in one workspace would share names).
 *
 * Output: one line per run, then a last line of JSON
 * `{runs, converged, duplicates, orphans, msReference, msFaultyMedian, injected}`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startSimulator } from "../../../sim";
import { PulumiProject } from "../../support/pulumi-project";
import { renderApi } from "../../support/render-api";

/** The staging workspace the simulator seeds (and Pulumi.staging.yaml names). */
export const STAGING_OWNER = "tea-stackguardstaging000";
const STACK = "staging";
const PACK = ["--policy-pack", "policies", "--policy-pack-config", "policies/config/staging.json"];
const VOLATILE_KEYS = new Set(["createdAt", "updatedAt", "startedAt", "finishedAt", "cursor", "expiresAt", "readyAt"]);

/** Options of {@link runFaultTrials}. */
export interface FaultTrialOptions {
  runs: number;
  /** Share of Render API requests answered 5xx/429 (default 0.2). */
  rate?: number;
  /** First fault seed; run i uses seed + i (reproducible fault sequences, given the same request order). */
  seed?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Writes the normalised reference and each run's snapshot there (`reference.json`, `run-<i>.json`). */
  dumpDir?: string;
}

/** What one faulty run found. */
export interface RunResult {
  run: number;
  seed: number;
  upCode: number;
  ms: number;
  /** Faults the simulator injected during the `up` (every client: providers, edge, guardian). */
  injected: number;
  byStatus: Record<string, number>;
  /** Render API attempts of the Pulumi providers, and how many of them were retries. */
  attempts: number;
  retries: number;
  /** The providers' writes answered 5xx/429, by route and status (`POST /services 502`): what adoption and retries absorbed. */
  faultedWrites: Record<string, number>;
  stateEqual: boolean;
  /** Differences from the reference (paths), when not equal. */
  diff: string[];
  duplicates: string[];
  orphans: string[];
  /** Objects left in the workspace after `destroy` (removed before the next run). */
  leftovers: string[];
  converged: boolean;
  /** The `up`'s last error lines when it failed. */
  error?: string;
}

/** The figures `npm run test:faults` prints last. */
export interface FaultSummary {
  runs: number;
  converged: number;
  duplicates: number;
  orphans: number;
  msReference: number;
  msFaultyMedian: number;
  injected: number;
}

type Api = ReturnType<typeof renderApi>;

/** Every page of a Render list endpoint (`[{cursor, <item>}]`), unwrapped. */
async function listAll<T = any>(api: Api, p: string, wrap?: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const sep = p.includes("?") ? "&" : "?";
    const r = await api<any[]>("GET", `${p}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (r.status !== 200) throw new Error(`GET ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    if (r.body.length === 0) return out;
    for (const row of r.body) out.push(wrap ? row[wrap] : row);
    const last = r.body[r.body.length - 1];
    if (typeof last?.cursor !== "string" || r.body.length < 100) return out;
    cursor = last.cursor;
  }
}

/** What the workspace holds, raw (ids included). */
export interface Workspace {
  services: any[];
  envGroups: any[];
  postgres: any[];
  keyValues: any[];
  domains: Array<{ serviceId: string; domain: any }>;
  envVars: Record<string, Array<{ key: string; value: string }>>;
  secretFiles: Record<string, Array<{ name: string; content: string }>>;
  deploys: Record<string, any[]>;
  connectionInfo: Record<string, Record<string, string>>;
}

/** Reads everything of the staging workspace through Render's API (faults must be off). */
export async function readWorkspace(api: Api, owner = STAGING_OWNER): Promise<Workspace> {
  const services = await listAll(api, `/services?ownerId=${owner}`, "service");
  const groupMetas = await listAll(api, `/env-groups?ownerId=${owner}`);
  const envGroups = [];
  for (const g of groupMetas) envGroups.push((await api("GET", `/env-groups/${(g.envGroup ?? g).id}`)).body);
  const postgres = await listAll(api, `/postgres?ownerId=${owner}`, "postgres");
  const keyValues = await listAll(api, `/key-value?ownerId=${owner}`, "keyValue");
  const ws: Workspace = { services, envGroups, postgres, keyValues, domains: [], envVars: {}, secretFiles: {}, deploys: {}, connectionInfo: {} };
  for (const s of services) {
    for (const d of await listAll(api, `/services/${s.id}/custom-domains`, "customDomain")) ws.domains.push({ serviceId: s.id, domain: d });
    ws.envVars[s.id] = await listAll(api, `/services/${s.id}/env-vars`, "envVar");
    ws.secretFiles[s.id] = await listAll(api, `/services/${s.id}/secret-files`, "secretFile");
    ws.deploys[s.id] = (await api<any[]>("GET", `/services/${s.id}/deploys?limit=100`)).body.map((d) => d.deploy);
  }
  for (const p of postgres) ws.connectionInfo[p.id] = (await api("GET", `/postgres/${p.id}/connection-info`)).body ?? {};
  for (const k of keyValues) ws.connectionInfo[k.id] = (await api("GET", `/key-value/${k.id}/connection-info`)).body ?? {};
  return ws;
}

const IN_PROGRESS = new Set(["created", "queued", "build_in_progress", "update_in_progress", "pre_deploy_in_progress"]);

/** Waits until no service of the workspace has a deploy under way and every Postgres is available. */
export async function settle(api: Api, timeoutMs = 120_000, owner = STAGING_OWNER): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const services = await listAll(api, `/services?ownerId=${owner}`, "service");
    let busy = "";
    for (const s of services) {
      const deploys = (await api<any[]>("GET", `/services/${s.id}/deploys?limit=5`)).body.map((d) => d.deploy);
      if (deploys.some((d) => IN_PROGRESS.has(d.status))) busy = `${s.name} deploying`;
    }
    for (const p of await listAll(api, `/postgres?ownerId=${owner}`, "postgres")) if (p.status !== "available") busy = `${p.name} ${p.status}`;
    if (!busy) return;
    if (Date.now() > deadline) throw new Error(`the workspace did not settle within ${timeoutMs} ms (${busy})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The workspace by names and settings: ids, URLs, slugs, generated database names, connection strings and the edge
 * admin token are replaced by stable tokens naming what they stand for (`<srv:api-blue>`), timestamps dropped,
 * lists sorted by name. Two `up`s of the same program into an empty workspace give equal snapshots.
 */
export function normalise(ws: Workspace, secrets: Record<string, string>): Record<string, unknown> {
  const tokens: Array<[string, string]> = Object.entries(secrets)
    .filter(([v]) => v.length >= 6)
    .map(([v, t]) => [v, t]);
  const nameOfService = new Map(ws.services.map((s) => [s.id, s.name as string]));
  for (const s of ws.services) {
    tokens.push([s.id, `<srv:${s.name}>`]);
    if (s.slug && s.slug !== s.name) tokens.push([s.slug, `<slug:${s.name}>`]);
    if (s.serviceDetails?.url) tokens.push([s.serviceDetails.url, `<url:${s.name}>`]);
  }
  for (const g of ws.envGroups) tokens.push([g.id, `<evg:${g.name}>`]);
  for (const { domain } of ws.domains) tokens.push([domain.id, `<cdm:${domain.name}>`]);
  for (const p of ws.postgres) {
    const info = ws.connectionInfo[p.id] ?? {};
    for (const [k, v] of Object.entries(info)) if (typeof v === "string" && v.length >= 6) tokens.push([v, `<pg:${p.name}:${k}>`]);
    tokens.push([p.id, `<dpg:${p.name}>`]);
    if (p.databaseName) tokens.push([p.databaseName, `<pgdb:${p.name}>`]);
  }
  // Each instance's own server (the simulator's redis-server listens on its own loopback port): its connection
  // strings differ between any two workspaces, so compare which instance a value names, not its address.
  for (const k of ws.keyValues) {
    for (const [key, v] of Object.entries(ws.connectionInfo[k.id] ?? {})) if (typeof v === "string" && v.length >= 6) tokens.push([v, `<kv:${k.name}:${key}>`]);
    tokens.push([k.id, `<red:${k.name}>`]);
  }
  // Longest first, so a connection string is replaced before the password inside it.
  tokens.sort((a, b) => b[0].length - a[0].length);
  const sub = (s: string): string => tokens.reduce((acc, [v, t]) => (acc.includes(v) ? acc.split(v).join(t) : acc), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return sub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) if (!VOLATILE_KEYS.has(k)) out[k] = walk((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  const byName = <T>(xs: T[], name: (x: T) => string) => [...xs].sort((a, b) => name(a).localeCompare(name(b)));
  const envValue = (key: string, value: string): unknown => {
    // Credentials the program generates per stack (RandomPassword: the edge's peer key, the guardian's OTLP token…)
    // differ between any two stacks: compare that one is there, and its shape, not its value.
    if (/(TOKEN|KEY|SECRET|PASSWORD)$/.test(key) && /^[A-Za-z0-9]{32,}$/.test(value)) return `<random ${value.length} characters>`;
    if (key !== "EDGE_ACTIVE") return sub(value);
    // The edge's own state document: which slot serves, and each slot's verdict by step (not its measurements).
    try {
      const doc = JSON.parse(value);
      if (!doc || typeof doc !== "object" || !("active" in doc)) return doc;
      const verdicts: Record<string, Record<string, string>> = {};
      for (const [app, slots] of Object.entries<Record<string, { phase: string; reason: string }>>(doc.verdicts ?? {})) {
        verdicts[app] = Object.fromEntries(Object.entries(slots).map(([slot, v]) => [slot, `${v.phase} ${String(v.reason).split(":")[0]}`]));
      }
      return { active: doc.active, verdicts, ext: Object.keys(doc.ext ?? {}).sort() };
    } catch {
      return value;
    }
  };
  return {
    services: byName(ws.services, (s) => s.name).map((s) => {
      const live = (ws.deploys[s.id] ?? []).find((d) => d.status === "live");
      return {
        service: walk(s),
        live: live ? { image: live.image?.ref ?? null, commit: live.commit ? "commit" : null } : null,
        envVars: Object.fromEntries(byName(ws.envVars[s.id] ?? [], (e) => e.key).map((e) => [e.key, envValue(e.key, e.value)])),
        secretFiles: Object.fromEntries(byName(ws.secretFiles[s.id] ?? [], (f) => f.name).map((f) => [f.name, sub(f.content)])),
        domains: byName(
          ws.domains.filter((d) => d.serviceId === s.id).map((d) => d.domain),
          (d) => d.name,
        ).map(walk),
      };
    }),
    envGroups: byName(ws.envGroups, (g) => g.name).map(({ envVars, secretFiles, serviceLinks, ...g }) => ({
      ...(walk(g) as object),
      envVars: Object.fromEntries(byName<{ key: string; value: string }>(envVars ?? [], (e) => e.key).map((e) => [e.key, sub(e.value)])),
      secretFiles: Object.fromEntries(byName<{ name: string; content: string }>(secretFiles ?? [], (f) => f.name).map((f) => [f.name, sub(f.content)])),
      links: (serviceLinks ?? []).map((l: { id: string }) => nameOfService.get(l.id) ?? sub(l.id)).sort(),
    })),
    postgres: byName(ws.postgres, (p) => p.name).map(walk),
    keyValues: byName(ws.keyValues, (k) => k.name).map(walk),
  };
}

/** Paths where two normalised snapshots differ (at most `max`). */
export function differences(a: unknown, b: unknown, where = "", max = 20, out: string[] = []): string[] {
  if (out.length >= max) return out;
  if (a === b) return out;
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of keys) differences((a as any)[k], (b as any)[k], `${where}/${k}`, max, out);
    return out;
  }
  out.push(`${where || "/"}: ${JSON.stringify(a)?.slice(0, 120)} ≠ ${JSON.stringify(b)?.slice(0, 120)}`);
  return out;
}

/** Objects of one kind sharing a name in the workspace ("api-blue ×2"). */
export function duplicatesOf(ws: Workspace): string[] {
  const out: string[] = [];
  const count = (kind: string, names: string[]) => {
    const n = new Map<string, number>();
    for (const x of names) n.set(x, (n.get(x) ?? 0) + 1);
    for (const [name, c] of n) if (c > 1) out.push(`${kind} ${name} ×${c}`);
  };
  count(
    "service",
    ws.services.map((s) => s.name),
  );
  count(
    "env group",
    ws.envGroups.map((g) => g.name),
  );
  count(
    "postgres",
    ws.postgres.map((p) => p.name),
  );
  count(
    "key value",
    ws.keyValues.map((k) => k.name),
  );
  count(
    "custom domain",
    ws.domains.map((d) => d.domain.name),
  );
  return out;
}

/** Ids of every Render object the stack's state records (resources it manages, not those it only reads). */
export async function stateIds(project: PulumiProject, stack = STACK): Promise<Set<string>> {
  const r = await project.run(["stack", "export", "--stack", stack]);
  if (r.code !== 0) throw new Error(`stack export failed: ${r.stderr}`);
  const resources: Array<{ id?: string; type: string; external?: boolean }> = JSON.parse(r.stdout).deployment?.resources ?? [];
  return new Set(resources.filter((x) => x.id && !x.external).map((x) => x.id!));
}

/** Render objects of the workspace that the stack's state does not know. */
export function orphansOf(ws: Workspace, ids: Set<string>): string[] {
  const out: string[] = [];
  for (const s of ws.services) if (!ids.has(s.id)) out.push(`service ${s.name} (${s.id})`);
  for (const g of ws.envGroups) {
    if (!ids.has(g.id)) out.push(`env group ${g.name} (${g.id})`);
    for (const l of g.serviceLinks ?? []) if (!ids.has(`${g.id}/${l.id}`)) out.push(`link ${g.name} → ${l.name ?? l.id}`);
  }
  for (const p of ws.postgres) if (!ids.has(p.id)) out.push(`postgres ${p.name} (${p.id})`);
  for (const k of ws.keyValues) if (!ids.has(k.id)) out.push(`key value ${k.name} (${k.id})`);
  for (const { domain } of ws.domains) if (!ids.has(domain.id)) out.push(`custom domain ${domain.name} (${domain.id})`);
  return out;
}

/** Deletes whatever the workspace still holds; returns what it found. */
async function sweep(api: Api, owner = STAGING_OWNER): Promise<string[]> {
  const ws = await readWorkspace(api, owner);
  const left = [
    ...ws.services.map((s) => `service ${s.name}`),
    ...ws.envGroups.map((g) => `env group ${g.name}`),
    ...ws.postgres.map((p) => `postgres ${p.name}`),
    ...ws.keyValues.map((k) => `key value ${k.name}`),
  ];
  for (const s of ws.services) await api("DELETE", `/services/${s.id}`);
  for (const g of ws.envGroups) await api("DELETE", `/env-groups/${g.id}`);
  for (const p of ws.postgres) await api("DELETE", `/postgres/${p.id}`);
  for (const k of ws.keyValues) await api("DELETE", `/key-value/${k.id}`);
  return left;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2);
}

function readRequestLog(file: string): { attempts: number; retries: number; faultedWrites: Record<string, number> } {
  if (!fs.existsSync(file)) return { attempts: 0, retries: 0, faultedWrites: {} };
  const entries = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { method: string; path: string; status: number; attempt: number });
  const faultedWrites: Record<string, number> = {};
  for (const e of entries) {
    if (e.method === "GET" || !(e.status === 429 || e.status >= 500)) continue;
    const k = `${e.method} ${e.path.replace(/\/(srv|evg|dpg|cdm|dep)-[a-z0-9-]+/g, "/:id")} ${e.status}`;
    faultedWrites[k] = (faultedWrites[k] ?? 0) + 1;
  }
  return { attempts: entries.length, retries: entries.filter((e) => e.attempt > 1).length, faultedWrites };
}

/**
 * Runs the reference and `runs` faulty `up`s (see the file comment). Never throws for a run that fails its checks:
 * the result says so; throws only when the reference itself cannot be built.
 */
export async function runFaultTrials(opts: FaultTrialOptions): Promise<{ summary: FaultSummary; results: RunResult[]; reference: Record<string, unknown> }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const rate = opts.rate ?? 0.2;
  const seed0 = opts.seed ?? 1;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-faults-sim-"));
  const sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
  const api = renderApi(sim.apiUrl, sim.apiKey);
  const faults = async (config: Record<string, unknown> | undefined) => {
    const r = await fetch(`${sim.url}/__sim/api-faults`, {
      method: config ? "PUT" : "DELETE",
      headers: { authorization: `Bearer ${sim.apiKey}`, ...(config ? { "content-type": "application/json" } : {}) },
      body: config ? JSON.stringify(config) : undefined,
    });
    if (r.status !== 200 && r.status !== 204) throw new Error(`api-faults: ${r.status} ${await r.text()}`);
  };
  const faultStats = async (): Promise<{ injected: number; byStatus: Record<string, number> }> =>
    (await fetch(`${sim.url}/__sim/api-faults`, { headers: { authorization: `Bearer ${sim.apiKey}` } })).json() as never;
  // Values that differ per simulator or per stack but are not Render objects: the key, the simulator's own URLs
  // (also so that a service URL is never replaced inside a longer one), the edge admin token (random per stack).
  const fixed = { [sim.apiKey]: "<renderApiKey>", [sim.apiUrl]: "<sim:api>", [sim.url]: "<sim>" };
  const secretsOf = async (project: PulumiProject): Promise<Record<string, string>> => {
    const out = await project.outputs(STACK).catch(() => ({}) as Record<string, unknown>);
    return { ...fixed, ...(out.edgeAdminToken ? { [String(out.edgeAdminToken)]: "<edgeAdminToken>" } : {}) };
  };

  /** One `up` in a fresh project copy; returns the project (for checks and destroy) and how it went. */
  const oneUp = async (faultConfig?: Record<string, unknown>) => {
    const project = await PulumiProject.create({ render: sim });
    await project.selectStack(STACK);
    const requestLog = path.join(project.dir, "render-requests.jsonl");
    if (faultConfig) await faults(faultConfig);
    const t0 = Date.now();
    const r = await project.run(["up", "--yes", "--skip-preview", "--stack", STACK, ...PACK], { STACKGUARD_RENDER_REQUEST_LOG: requestLog }, 900_000);
    const ms = Date.now() - t0;
    const stats = faultConfig ? await faultStats() : { injected: 0, byStatus: {} };
    await faults(undefined);
    return { project, r, ms, stats, requests: readRequestLog(requestLog) };
  };

  const teardown = async (project: PulumiProject): Promise<string[]> => {
    const d = await project.run(["destroy", "--yes", "--skip-preview", "--stack", STACK], {}, 600_000);
    if (d.code !== 0)
      log(
        `  destroy exited ${d.code}: ${(d.stderr + d.stdout)
          .split("\n")
          .filter((l) => /error/i.test(l))
          .slice(0, 3)
          .join(" | ")}`,
      );
    project.dispose();
    const left = await sweep(api);
    return left;
  };

  try {
    await faults(undefined);
    log(`faults: reference up (no faults)…`);
    const ref = await oneUp();
    if (ref.r.code !== 0) throw new Error(`the reference up failed (exit ${ref.r.code}): ${(ref.r.stderr + ref.r.stdout).slice(-2000)}`);
    await settle(api);
    const refWs = await readWorkspace(api);
    const reference = normalise(refWs, await secretsOf(ref.project));
    const dump = (name: string, v: unknown) => {
      if (!opts.dumpDir) return;
      fs.mkdirSync(opts.dumpDir, { recursive: true });
      fs.writeFileSync(path.join(opts.dumpDir, name), JSON.stringify(v, null, 2));
    };
    dump("reference.json", reference);
    const refProblems = [...duplicatesOf(refWs), ...orphansOf(refWs, await stateIds(ref.project))];
    if (refProblems.length) throw new Error(`the reference workspace is not clean: ${refProblems.join("; ")}`);
    log(`faults: reference up ${ref.ms} ms, ${ref.requests.attempts} Render API attempts by the providers; tearing down`);
    const refLeft = await teardown(ref.project);
    if (refLeft.length) throw new Error(`destroy of the reference left ${refLeft.join(", ")}`);

    const results: RunResult[] = [];
    for (let i = 1; i <= opts.runs; i++) {
      const seed = seed0 + i;
      const run = await oneUp({ rate, seed, statuses: [500, 502, 503, 429], afterShare: 0.5 });
      const result: RunResult = {
        run: i,
        seed,
        upCode: run.r.code,
        ms: run.ms,
        injected: run.stats.injected,
        byStatus: run.stats.byStatus,
        attempts: run.requests.attempts,
        retries: run.requests.retries,
        faultedWrites: run.requests.faultedWrites,
        stateEqual: false,
        diff: [],
        duplicates: [],
        orphans: [],
        leftovers: [],
        converged: false,
      };
      if (run.r.code !== 0)
        result.error = (run.r.stderr + run.r.stdout)
          .split("\n")
          .filter((l) => /error|failed/i.test(l))
          .slice(-6)
          .join("\n");
      try {
        await settle(api);
        const ws = await readWorkspace(api);
        const snapshot = normalise(ws, await secretsOf(run.project));
        dump(`run-${i}.json`, snapshot);
        result.diff = differences(reference, snapshot);
        result.stateEqual = result.diff.length === 0;
        result.duplicates = duplicatesOf(ws);
        result.orphans = orphansOf(ws, await stateIds(run.project));
      } catch (e) {
        result.diff.push(`checks failed: ${(e as Error).message}`);
      }
      result.leftovers = await teardown(run.project);
      result.converged = result.upCode === 0 && result.stateEqual && result.duplicates.length === 0 && result.orphans.length === 0;
      results.push(result);
      log(
        `faults: run ${i}/${opts.runs} seed ${seed}: up exit ${result.upCode} in ${result.ms} ms, ${result.injected} faults injected ` +
          `(${Object.entries(result.byStatus)
            .map(([k, v]) => `${k}:${v}`)
            .join(" ")}), provider attempts ${result.attempts} (${result.retries} retries; ` +
          `writes answered 5xx/429: ${
            Object.entries(result.faultedWrites)
              .map(([k, v]) => `${k}×${v}`)
              .join(", ") || "none"
          }); ` +
          `state ${result.stateEqual ? "= reference" : `differs (${result.diff.slice(0, 3).join("; ")})`}, duplicates ${result.duplicates.length}, orphans ${result.orphans.length}` +
          `${result.leftovers.length ? `, left after destroy: ${result.leftovers.join(", ")}` : ""}${result.error ? `\n  ${result.error.replace(/\n/g, "\n  ")}` : ""}`,
      );
    }
    const summary: FaultSummary = {
      runs: results.length,
      converged: results.filter((r) => r.converged).length,
      duplicates: results.reduce((n, r) => n + r.duplicates.length, 0),
      orphans: results.reduce((n, r) => n + r.orphans.length, 0),
      msReference: ref.ms,
      msFaultyMedian: median(results.map((r) => r.ms)),
      injected: results.reduce((n, r) => n + r.injected, 0),
    };
    return { summary, results, reference };
  } finally {
    await faults(undefined).catch(() => undefined);
    await sim.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number`);
  return v;
}

if (require.main === module) {
  const dumpAt = process.argv.indexOf("--dump");
  runFaultTrials({ runs: arg("runs", 10), rate: arg("rate", 0.2), seed: arg("seed", 1), dumpDir: dumpAt >= 0 ? process.argv[dumpAt + 1] : undefined }).then(
    ({ summary }) => {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      process.exit(summary.converged === summary.runs ? 0 : 1);
    },
    (e) => {
      process.stderr.write(`faults: ${(e as Error).message}\n`);
      process.exit(2);
    },
  );
}

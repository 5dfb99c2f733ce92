/**
 * Expand/contract under traffic (issue 15, item 2), with every part real: the embedded Render (its deploy life cycle
 * runs each slot's `preDeployCommand` as a real `psql` process against a real PostgreSQL), two slots of a synthetic
 * app whose `/orders` reads and writes the table, and a real edge in front switching traffic between them.
 *
 * 1. The expand migration (a nullable column) runs in the idle slot's pre-deploy while the active slot (v1) serves
 *    through the edge; v2 goes live, the edge switches to it, and v1 keeps answering on its own slot: 0 failures.
 * 2. The contract migration (NOT NULL on the new column) is refused by the pack while a slot still runs v1; once the
 *    old slot is retired (redeployed to v2), it passes and runs in the next release's pre-deploy: 0 failures.
 * 3. A destructive migration in the expand phase (a column rename) is refused by the pack's rule; forced through the
 *    same path, it breaks the version still serving: the proof the rule matters.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { startSimulator, type RunningSimulator } from "../../sim";
import { SEED } from "../../sim/seed";
import { lintSqlFiles } from "../../policies/lib/squawk";
import { imageTag, migrationBackwardCompatible, phaseOf, waitsForOf } from "../../policies/rules/migrations";
import { renderApi } from "../support/render-api";
import { sql } from "../support/sql";
import { admin, startEdge, TOKEN } from "../unit/edge/helpers";

jest.setTimeout(300_000);

const OWNER = SEED.stagingOwner;
const MIGRATIONS = path.resolve(__dirname, "..", "fixtures", "migrations", "orders");
const migration = (file: string) => path.join(MIGRATIONS, file);
/** The pre-deploy command a slot runs: psql against the service's own DATABASE_URL, stopping at the first error. */
const psql = (file: string) => `psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q -f ${migration(file)}`;

type Outcome = "ok" | "failed";

/** Request outcomes counted by phase, by the version that answered (or "none") and by ok/failed. */
class Tally {
  phase = "before";
  readonly counts: Record<string, Record<string, Record<Outcome, number>>> = {};
  readonly failures: string[] = [];
  add(target: string, version: string, outcome: Outcome, detail?: string): void {
    const byVersion = ((this.counts[this.phase] ??= {})[`${target} ${version}`] ??= { ok: 0, failed: 0 });
    byVersion[outcome]++;
    if (outcome === "failed" && this.failures.length < 5) this.failures.push(`${this.phase} ${target} ${version}: ${detail}`);
  }
  total(phase: string, target: string, outcome: Outcome): number {
    return Object.entries(this.counts[phase] ?? {})
      .filter(([k]) => k.startsWith(`${target} `))
      .reduce((n, [, v]) => n + v[outcome], 0);
  }
}

/** One request (alternately a write and a read of /orders): status and the answering version. */
function order(base: string, write: boolean): Promise<{ status: number; version: string; body: string }> {
  return new Promise((resolve) => {
    const body = write ? "{}" : undefined;
    const req = http.request(
      `${base}/orders`,
      {
        method: write ? "POST" : "GET",
        agent: false,
        timeout: 15_000,
        headers: body ? { "content-type": "application/json", "content-length": body.length } : {},
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          let version = "none";
          try {
            version = JSON.parse(text).version ?? "none";
          } catch {
            /* not the app's answer */
          }
          resolve({ status: res.statusCode ?? 0, version, body: text.slice(0, 300) });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ status: 0, version: "none", body: e.message }));
    req.end(body);
  });
}

/** Sends reads and writes to each target in a loop until stopped, counting outcomes in `tally`. */
function drive(tally: Tally, targets: Record<string, () => string>) {
  let running = true;
  const loop = async (name: string, url: () => string) => {
    for (let i = 0; running; i++) {
      const r = await order(url(), i % 2 === 0);
      const ok = r.status === 200 || r.status === 201;
      tally.add(name, r.version, ok ? "ok" : "failed", `${r.status} ${r.body}`);
    }
  };
  const loops = Object.entries(targets).map(([name, url]) => loop(name, url));
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe("migrations under traffic: expand in the new slot's pre-deploy, switch, and a forced destructive expand", () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-migrate-"));
  let sim: RunningSimulator;
  let api: ReturnType<typeof renderApi>;
  let dbUrl: string;
  const slots: Record<"blue" | "green", { id: string; url: string }> = { blue: { id: "", url: "" }, green: { id: "", url: "" } };
  let edge: Awaited<ReturnType<typeof startEdge>>;

  const until = async (what: string, cond: () => Promise<boolean> | boolean, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const deploy = (svc: string, id: string) => api<any>("GET", `/services/${svc}/deploys/${id}`).then((r) => r.body);
  const ended = async (svc: string, id: string) => {
    let d: any;
    await until(
      `deploy ${id} to end`,
      async () => !["created", "queued", "build_in_progress", "pre_deploy_in_progress", "update_in_progress"].includes((d = await deploy(svc, id)).status),
    );
    return d;
  };
  /** Deploys `version` of the app to a slot, with the columns it uses and its pre-deploy migration. */
  const release = async (slot: "blue" | "green", version: string, columns: string, preDeploy: string) => {
    const svc = slots[slot].id;
    expect((await api("PATCH", `/services/${svc}`, { serviceDetails: { preDeployCommand: preDeploy } })).status).toBe(200);
    expect((await api("PUT", `/services/${svc}/env-vars/SIM_ORDERS_COLUMNS`, { value: columns })).status).toBe(200);
    const d = await api<any>("POST", `/services/${svc}/deploys`, { imageUrl: `docker.io/acme/shop:${version}` });
    expect(d.status).toBe(201);
    return d.body.id as string;
  };
  const columns = async () =>
    (await sql(dbUrl, "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position")).map((r) => r.column_name);

  beforeAll(async () => {
    sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed", apiKey: "test-key" });
    api = renderApi(sim.apiUrl, sim.apiKey);
    const db = await api<any>("POST", "/postgres", { name: "shop-db", ownerId: OWNER, plan: "basic_256mb", version: "16" });
    expect(db.status).toBe(201);
    await until("the database", async () => (await api<any>("GET", `/postgres/${db.body.id}`)).body.status === "available");
    dbUrl = (await api<any>("GET", `/postgres/${db.body.id}/connection-info`)).body.internalConnectionString;
    // Both slots run v1; each creates the table in its pre-deploy (idempotent), as a first release does.
    for (const slot of ["blue", "green"] as const) {
      const created = await api<any>("POST", "/services", {
        type: "web_service",
        name: `shop-${slot}`,
        ownerId: OWNER,
        image: { ownerId: OWNER, imagePath: "docker.io/acme/shop:1.0.0" },
        envVars: [
          { key: "DATABASE_URL", value: dbUrl },
          { key: "SIM_ORDERS_COLUMNS", value: "item" },
        ],
        serviceDetails: { runtime: "image", healthCheckPath: "/healthz", preDeployCommand: psql("0001_create_orders.sql") },
      });
      expect(created.status).toBe(201);
      slots[slot] = { id: created.body.service.id, url: created.body.service.serviceDetails.url };
      expect((await ended(slots[slot].id, created.body.deployId)).status).toBe("live");
    }
    edge = await startEdge({
      PORT: "0",
      EDGE_LISTEN_HOST: "127.0.0.1",
      EDGE_APPS: JSON.stringify({ shop: { blue: slots.blue.url, green: slots.green.url, healthPath: "/healthz" } }),
      EDGE_ROUTES: JSON.stringify([{ app: "shop" }]),
      EDGE_ADMIN_TOKEN: TOKEN,
      EDGE_PROBE_INTERVAL_MS: "100",
      EDGE_PROBE_TIMEOUT_MS: "1000",
      EDGE_DRAIN_TIMEOUT_MS: "3000",
      EDGE_SHUTDOWN_GRACE_MS: "2000",
    });
  });

  afterAll(async () => {
    await edge?.stop();
    await sim?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("expand in green's pre-deploy while blue serves v1, then switch to v2: 0 failed requests on either version", async () => {
    expect(await columns()).toEqual(["id", "item"]);
    const tally = new Tally();
    const active = () => `${edge.url}`;
    const load = drive(tally, { edge: active, edge2: active, green: () => slots.green.url, blue: () => slots.blue.url });
    await until("traffic before the release", () => tally.total("before", "edge", "ok") >= 20);

    tally.phase = "expand";
    const dep = await release("green", "2.0.0", "item,note", psql("0002_add_note.sql"));
    const seen = new Set<string>();
    await until("green's deploy to end", async () => {
      const d = await deploy(slots.green.id, dep);
      seen.add(d.status);
      return !["created", "queued", "pre_deploy_in_progress", "update_in_progress"].includes(d.status);
    });
    expect((await deploy(slots.green.id, dep)).status).toBe("live");
    expect(seen.has("pre_deploy_in_progress")).toBe(true);
    expect(await columns()).toEqual(["id", "item", "note"]);
    const events = (await api<any[]>("GET", `/services/${slots.green.id}/events?limit=50`)).body.map((e) => e.event);
    expect(events.find((e) => e.type === "pre_deploy_ended" && e.details.deployId === dep)?.details).toMatchObject({ status: "succeeded" });
    await until("v2 answering on green", () => (tally.counts.expand?.["green 2.0.0"]?.ok ?? 0) >= 10);

    tally.phase = "switched";
    expect((await admin(edge.url, "POST", "/__edge/switch", { app: "shop", slot: "green" })).status).toBe(200);
    await until(
      "v2 through the edge and v1 on blue after the switch",
      () => (tally.counts.switched?.["edge 2.0.0"]?.ok ?? 0) >= 40 && (tally.counts.switched?.["blue 1.0.0"]?.ok ?? 0) >= 20,
    );
    await load.stop();
    console.log(`migration under traffic (expand 0002_add_note.sql in green's pre-deploy): ${JSON.stringify(tally.counts)}`);

    expect(tally.failures).toEqual([]);
    // The expand ran while v1 served through the edge, and both versions answered after the switch.
    expect(tally.counts.expand?.["edge 1.0.0"]?.ok ?? 0).toBeGreaterThan(0);
    expect(tally.counts.switched?.["edge 2.0.0"]?.ok ?? 0).toBeGreaterThan(0);
    // v2 wrote its note; v1's rows leave it NULL.
    const notes = await sql(
      dbUrl,
      "SELECT count(*) FILTER (WHERE note IS NOT NULL)::int AS with_note, count(*) FILTER (WHERE note IS NULL)::int AS without FROM orders",
    );
    expect(notes[0].with_note).toBeGreaterThan(0);
    expect(notes[0].without).toBeGreaterThan(0);
  });

  it("the contract migration waits for the old slot's retirement (pack), then runs in the next pre-deploy: 0 failed requests", async () => {
    const file = migration("0004_note_required.contract.sql");
    const findings = lintSqlFiles([file]).get(file) ?? [];
    /** The pack's verdict on the contract file with the versions the slots really run now. */
    const verdict = async () => {
      const running = await Promise.all(
        (["blue", "green"] as const).map(async (s) => imageTag((await api<any>("GET", `/services/${slots[s].id}`)).body.imagePath)),
      );
      return migrationBackwardCompatible(
        { file: "0004_note_required.contract.sql", phase: phaseOf(file), waitsFor: waitsForOf(fs.readFileSync(file, "utf8")), findings },
        new Map([["shop", running]]),
      );
    };
    const early = await verdict();
    expect(early.status === "non-compliant" && early.messages.join("\n")).toMatch(/must not run yet: a slot of shop still runs 1\.0\.0/);

    const tally = new Tally();
    const load = drive(tally, { edge: () => edge.url, blue: () => slots.blue.url });
    await until("traffic on v2", () => tally.total("before", "edge", "ok") >= 20);
    // The old slot is retired: blue runs v2 too (its own expand again, idempotent).
    tally.phase = "retire";
    expect((await ended(slots.blue.id, await release("blue", "2.0.0", "item,note", psql("0002_add_note.sql")))).status).toBe("live");
    expect((await verdict()).status).not.toBe("non-compliant");
    tally.phase = "contract";
    const dep = await release("blue", "2.1.0", "item,note", psql("0004_note_required.contract.sql"));
    expect((await ended(slots.blue.id, dep)).status).toBe("live");
    await until("v2.1.0 on blue", () => (tally.counts.contract?.["blue 2.1.0"]?.ok ?? 0) >= 10 && tally.total("contract", "edge", "ok") >= 20);
    await load.stop();
    console.log(`contract migration (0004_note_required.contract.sql in blue's pre-deploy after v1 retired): ${JSON.stringify(tally.counts)}`);
    expect(tally.failures).toEqual([]);
    expect(await sql(dbUrl, "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'")).toEqual([
      { is_nullable: "NO" },
    ]);
  });

  it("a destructive expand migration is refused by the pack and, forced, breaks the version still serving", async () => {
    // The pack's rule, on the real squawk findings of the file: refused in the expand phase.
    const file = migration("0003_rename_item.sql");
    const findings = lintSqlFiles([file]).get(file) ?? [];
    const verdict = migrationBackwardCompatible({ file: "0003_rename_item.sql", phase: phaseOf(file), findings }, new Map());
    expect(verdict.status).toBe("non-compliant");
    expect(verdict.status === "non-compliant" && verdict.messages.join("\n")).toMatch(
      /must be backward compatible \(expand phase\): line \d+ renames a column/,
    );

    // Forced: v3 (which calls the column `product`) goes to blue, its pre-deploy renames the column while v2 serves
    // on green (the active slot). The edge's passive rollback may move traffic off the failing slot, so v2 is also
    // driven on its own URL: the users it still serves are what the rule protects.
    const tally = new Tally();
    const load = drive(tally, { edge: () => edge.url, green: () => slots.green.url, blue: () => slots.blue.url });
    await until("traffic on v2 before the forced release", () => tally.total("before", "edge", "ok") >= 20);
    tally.phase = "forced";
    const dep = await release("blue", "3.0.0", "product,note", psql("0003_rename_item.sql"));
    expect((await ended(slots.blue.id, dep)).status).toBe("live");
    expect(await columns()).toEqual(["id", "product", "note"]);
    const v2Failed = () =>
      Object.entries(tally.counts.forced ?? {})
        .filter(([k]) => k.endsWith(" 2.0.0"))
        .reduce((n, [, v]) => n + v.failed, 0);
    await until("v2's failures", () => v2Failed() >= 10);
    await until("v3 answering on blue", () => (tally.counts.forced?.["blue 3.0.0"]?.ok ?? 0) >= 10);
    await load.stop();
    console.log(
      `forced destructive expand (0003_rename_item.sql in blue's pre-deploy, v2 serving on green): ${JSON.stringify(tally.counts)}; e.g. ${tally.failures[0]}`,
    );

    expect(Object.values(tally.counts.before ?? {}).reduce((n, v) => n + v.failed, 0)).toBe(0);
    // The old version, still serving on the active slot, fails on the renamed column; the new one works.
    expect(tally.counts.forced?.["green 2.0.0"]?.failed ?? 0).toBeGreaterThan(0);
    expect(tally.counts.forced?.["blue 3.0.0"]?.failed ?? 0).toBe(0);
    expect(tally.failures.filter((f) => f.includes("2.0.0")).join("\n")).toMatch(/500 .*column \\"item\\".* does not exist/);
  });
});

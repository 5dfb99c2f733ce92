import { provider as domain } from "../../../infra/providers/impl/custom-domain";
import { provider as pgExport } from "../../../infra/providers/impl/postgres-export";
import { provider as postgres } from "../../../infra/providers/impl/postgres";
import { provider as service } from "../../../infra/providers/impl/service";
import { requestLog } from "../../../infra/render/request-log";
import { providerSim, STAGING_OWNER } from "./sim-harness";

async function checked(p: typeof service, news: Record<string, unknown>) {
  const r = await p.check!({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}

describe("Postgres, PostgresExport and CustomDomain against the simulator", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  beforeAll(async () => {
    sim = await providerSim();
  });
  afterAll(async () => {
    await sim.done();
  });

  it("Postgres: create with connectionInfo, refresh with Render's name suffix is clean, in-place plan/HA/replicas, drift, delete", async () => {
    const inputs = await checked(postgres, {
      name: "platform-db",
      ownerId: STAGING_OWNER,
      plan: "basic_1gb",
      version: "16",
      databaseName: "platform",
      diskSizeGB: 10,
    });
    const c = await sim.count(() => postgres.create(inputs));
    const id = c.result.id;
    expect(id).toMatch(/^dpg-.*-a$/);
    expect(c.byRoute).toEqual({ "GET /postgres": 1, "POST /postgres": 1, "GET /postgres/:id/connection-info": 1 });
    expect(c.result.outs.actualDatabaseName).toMatch(/^platform_[a-z0-9]{4}$/);
    expect(c.result.outs.connectionInfo.internalConnectionString).toContain(id);

    const r = await sim.count(() => postgres.read!(id, c.result.outs));
    expect(r.calls).toBe(2);
    expect(r.result.props.databaseName).toBe("platform");
    expect((await postgres.diff!(id, r.result.props, inputs)).changes).toBe(false);

    const news = await checked(postgres, {
      name: "platform-db",
      ownerId: STAGING_OWNER,
      plan: "pro_4gb",
      version: "16",
      databaseName: "platform",
      diskSizeGB: 20,
      highAvailability: true,
      readReplicas: ["ro-1"],
    });
    expect(await postgres.diff!(id, r.result.props, news)).toMatchObject({ changes: true, replaces: [] });
    const u = await sim.count(() => postgres.update!(id, r.result.props, news));
    expect(u.byRoute).toEqual({ "PATCH /postgres/:id": 1 });
    expect(u.result.outs).toMatchObject({ plan: "pro_4gb", highAvailability: true, readReplicas: ["ro-1"] });
    expect(u.result.outs.readReplicaIds[0]).toMatch(/-b$/);

    await sim.api.patch(`/postgres/${id}`, { plan: "pro_8gb" });
    const drift = await postgres.read!(id, u.result.outs);
    expect(drift.props.plan).toBe("pro_8gb");
    expect((await postgres.diff!(id, drift.props, news)).changes).toBe(true);
    expect((await postgres.diff!(id, drift.props, { ...news, version: "17" })).replaces).toEqual(["version"]);

    // the password never appears in the request log
    const pw = c.result.outs.connectionInfo.password as string;
    expect(JSON.stringify(requestLog.list())).not.toContain(pw);

    await postgres.delete!(id, drift.props);
    expect((await postgres.read!(id, drift.props)).id).toBe("");
  });

  it("Postgres: a lost create answer is adopted, not duplicated", async () => {
    const inputs = await checked(postgres, { name: "adopt-db", ownerId: STAGING_OWNER, plan: "basic_256mb", version: "16" });
    await sim.faults({ rules: [{ method: "POST", path: "^/postgres$", status: 500, when: "after", times: 1 }] });
    const c = await postgres.create(inputs);
    await sim.faults({});
    const list = (await sim.api.get(`/postgres?name=adopt-db&ownerId=${STAGING_OWNER}`)).body;
    expect(list.map((x: { postgres: { id: string } }) => x.postgres.id)).toEqual([c.id]);
    await postgres.delete!(c.id, c.outs);
  });

  it("PostgresExport: starts one export and records it; a new trigger replaces", async () => {
    const db = await postgres.create(await checked(postgres, { name: "export-db", ownerId: STAGING_OWNER, plan: "basic_256mb", version: "16" }));
    // Render exports only an available database (a real PostgreSQL server behind it now takes a moment to start).
    for (const until = Date.now() + 50_000; (await sim.api.get(`/postgres/${db.id}`)).body.status !== "available";) {
      if (Date.now() > until) throw new Error(`database ${db.id} did not become available within 50 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const inputs = await checked(pgExport, { postgresId: db.id, trigger: "v1" });
    const e = await pgExport.create(inputs);
    expect(e.outs).toMatchObject({ postgresId: db.id, trigger: "v1", exportId: e.id });
    expect((await pgExport.read!(e.id, e.outs)).id).toBe(e.id);
    expect((await pgExport.diff!(e.id, e.outs, { ...inputs, trigger: "v2" })).replaces).toEqual(["trigger"]);
    const exports = (await sim.api.get(`/postgres/${db.id}/export`)).body;
    expect(exports).toHaveLength(1);
    await postgres.delete!(db.id, db.outs);
  });

  it("CustomDomain: create (verify triggered), read status, adopt on re-create, delete by name", async () => {
    const svc = await service.create(await checked(service, { name: "edge", ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/edge:1" }));
    const inputs = await checked(domain, { serviceId: svc.id, name: "api.alphaplatform.example" });
    const c = await sim.count(() => domain.create(inputs));
    expect(c.result.id).toMatch(/^cdm-/);
    expect(["verified", "unverified"]).toContain(c.result.outs.verificationStatus);
    expect(c.byRoute).toMatchObject({ "POST /services/:id/custom-domains": 1, "POST /services/:id/custom-domains/:id/verify": 1 });
    const r = await domain.read!(c.result.id, c.result.outs);
    expect(r.props).toMatchObject({ name: "api.alphaplatform.example", domainId: c.result.id });
    expect((await domain.diff!(c.result.id, r.props, inputs)).changes).toBe(false);
    const again = await domain.create(inputs);
    expect(again.id).toBe(c.result.id);
    await domain.delete!(c.result.id, r.props);
    expect((await domain.read!(c.result.id, r.props)).id).toBe("");
    await domain.delete!(c.result.id, r.props);
    await service.delete!(svc.id, svc.outs);
  });
});

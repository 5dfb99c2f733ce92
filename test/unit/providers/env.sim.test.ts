import { provider as envGroup } from "../../../infra/providers/impl/env-group";
import { provider as link } from "../../../infra/providers/impl/env-group-link";
import { provider as envVars } from "../../../infra/providers/impl/env-vars";
import { provider as secretFiles } from "../../../infra/providers/impl/secret-files";
import { provider as service } from "../../../infra/providers/impl/service";
import { requestLog } from "../../../infra/render/request-log";
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { eventually } from "../sim/helpers";
import { providerSim, STAGING_OWNER } from "./sim-harness";

async function checked(p: typeof service, news: Record<string, unknown>) {
  const r = await p.check!({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}

describe("EnvGroup, EnvGroupLink, EnvVars, SecretFiles against the simulator", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  let serviceId: string;
  beforeAll(async () => {
    sim = await providerSim();
    const s = await service.create(await checked(service, { name: "env-host", ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/api:1" }));
    serviceId = s.id;
  });
  afterAll(async () => {
    await sim.done();
  });

  it("EnvGroup: create, drift, per-key update, rename, adoption, delete", async () => {
    const inputs = await checked(envGroup, {
      name: "platform-env",
      ownerId: STAGING_OWNER,
      envVars: { A: "1", B: "2" },
      secretFiles: { "c.txt": "x" },
      secretInputs: { envVars: true, secretFiles: true },
    });
    const c = await sim.count(() => envGroup.create(inputs));
    const id = c.result.id;
    expect(id).toMatch(/^evg-/);
    expect(c.byRoute).toEqual({ "GET /env-groups": 1, "POST /env-groups": 1 });

    const r = await sim.count(() => envGroup.read!(id, c.result.outs));
    expect(r.calls).toBe(1);
    expect((await envGroup.diff!(id, r.result.props, inputs)).changes).toBe(false);

    // out-of-band: someone edits a value
    await sim.api.put(`/env-groups/${id}/env-vars/A`, { value: "tampered" });
    const drift = await envGroup.read!(id, r.result.props);
    expect(drift.props.envVars).toEqual({ A: "tampered", B: "2" });
    expect((await envGroup.diff!(id, drift.props, inputs)).changes).toBe(true);

    const news = await checked(envGroup, {
      name: "platform-env-2",
      ownerId: STAGING_OWNER,
      envVars: { A: "1", C: "3" },
      secretFiles: {},
      secretInputs: { envVars: true, secretFiles: true },
    });
    expect((await envGroup.diff!(id, drift.props, news)).replaces).toEqual([]);
    const u = await sim.count(() => envGroup.update!(id, drift.props, news));
    // One GET: the write guard reads the group's links once before writing (a group AlphaStack is linked to is refused).
    expect(u.byRoute).toEqual({
      "GET /env-groups/:id": 1,
      "PATCH /env-groups/:id": 1,
      "PUT /env-groups/:id/env-vars/:name": 2,
      "DELETE /env-groups/:id/env-vars/:name": 1,
      "DELETE /env-groups/:id/secret-files/:name": 1,
    });
    const after = await envGroup.read!(id, u.result.outs);
    expect(after.props).toMatchObject({ name: "platform-env-2", envVars: { A: "1", C: "3" }, secretFiles: {} });

    // re-running create (e.g. state lost after a crash) adopts and converges
    const again = await envGroup.create(
      await checked(envGroup, { name: "platform-env-2", ownerId: STAGING_OWNER, envVars: { A: "9" }, secretInputs: { envVars: true } }),
    );
    expect(again.id).toBe(id);
    expect((await sim.api.get(`/env-groups/${id}`)).body.envVars).toEqual([{ key: "A", value: "9" }]);

    await envGroup.delete!(id, after.props);
    expect((await envGroup.read!(id, after.props)).id).toBe("");
    await envGroup.delete!(id, after.props);
  });

  it("EnvGroupLink: link, read, unlink out of band → read reports it gone, delete is idempotent", async () => {
    const g = await envGroup.create(
      await checked(envGroup, { name: "linked-env", ownerId: STAGING_OWNER, envVars: { A: "1" }, secretInputs: { envVars: true } }),
    );
    const inputs = await checked(link, { envGroupId: g.id, serviceId });
    const c = await sim.count(() => link.create(inputs));
    const l = c.result;
    expect(l.id).toBe(`${g.id}/${serviceId}`);
    // Render applies the group's values on the service's next deploy: the link deploys it.
    expect(c.byRoute).toMatchObject({ "POST /env-groups/:id/services/:id": 1, "POST /services/:id/deploys": 1 });
    expect((await link.read!(l.id, l.outs)).id).toBe(l.id);
    expect((await link.diff!(l.id, l.outs, { ...inputs, serviceId: "srv-otherserviceaaaaaa" })).replaces).toEqual(["serviceId"]);
    await sim.api.del(`/env-groups/${g.id}/services/${serviceId}`);
    expect((await link.read!(l.id, l.outs)).id).toBe("");
    await link.delete!(l.id, l.outs);
    await envGroup.delete!(g.id, g.outs);
  });

  it("EnvVars: one PUT and one deploy per write, unmanaged keys kept, drift seen, delete clears", async () => {
    const inputs = await checked(envVars, {
      serviceId,
      values: { DATABASE_URL: "postgres://u:canary-pw-7781@h/db", MODE: "blue" },
      unmanagedKeys: ["ACTIVE_SLOT"],
      secretInputs: { values: true },
    });
    // someone else (the edge) owns ACTIVE_SLOT
    await sim.api.put(`/services/${serviceId}/env-vars/ACTIVE_SLOT`, { value: "green" });
    const c = await sim.count(() => envVars.create(inputs));
    // Render's API stores env changes without applying them: the write deploys them.
    expect(c.byRoute).toEqual({ "GET /services/:id/env-vars": 1, "PUT /services/:id/env-vars": 1, "POST /services/:id/deploys": 1 });
    const live = (await sim.api.get(`/services/${serviceId}/env-vars`)).body.map((x: { envVar: { key: string } }) => x.envVar.key).sort();
    expect(live).toEqual(["ACTIVE_SLOT", "DATABASE_URL", "MODE"]);

    const r = await sim.count(() => envVars.read!(c.result.id, c.result.outs));
    expect(r.calls).toBe(1);
    expect(r.result.props.values).toEqual({ DATABASE_URL: "postgres://u:canary-pw-7781@h/db", MODE: "blue" });
    expect((await envVars.diff!(c.result.id, r.result.props, inputs)).changes).toBe(false);

    await sim.api.put(`/services/${serviceId}/env-vars/EXTRA`, { value: "oob" });
    const drift = await envVars.read!(c.result.id, r.result.props);
    expect(Object.keys(drift.props.values).sort()).toEqual(["DATABASE_URL", "EXTRA", "MODE"]);
    expect((await envVars.diff!(c.result.id, drift.props, inputs)).changes).toBe(true);
    await envVars.update!(c.result.id, drift.props, inputs);
    expect(Object.keys((await envVars.read!(c.result.id, drift.props)).props.values).sort()).toEqual(["DATABASE_URL", "MODE"]);

    await envVars.delete!(c.result.id, inputs);
    const left = (await sim.api.get(`/services/${serviceId}/env-vars`)).body.map((x: { envVar: { key: string } }) => x.envVar.key);
    expect(left).toEqual(["ACTIVE_SLOT"]);
    // the secret value never reached the request log
    expect(JSON.stringify(requestLog.list())).not.toContain("canary-pw-7781");
  });

  it("SecretFiles: create, update, read, delete", async () => {
    const inputs = await checked(secretFiles, { serviceId, files: { "a.pem": "canary-pem-5512" }, secretInputs: { files: true } });
    const c = await secretFiles.create(inputs);
    expect(c.id).toBe(`${serviceId}/secret-files`);
    const news = await checked(secretFiles, { serviceId, files: { "a.pem": "v2", "b.json": "{}" }, secretInputs: { files: true } });
    await secretFiles.update!(c.id, c.outs, news);
    const r = await secretFiles.read!(c.id, news);
    expect(r.props.files).toEqual({ "a.pem": "v2", "b.json": "{}" });
    expect((await secretFiles.diff!(c.id, r.props, news)).changes).toBe(false);
    await secretFiles.delete!(c.id, news);
    expect((await sim.api.get(`/services/${serviceId}/secret-files`)).body).toEqual([]);
  });

  it("EnvVars on a deleted service: read says gone, delete is fine", async () => {
    const s = await service.create(await checked(service, { name: "short-lived", ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/api:1" }));
    const inputs = await checked(envVars, { serviceId: s.id, values: { A: "1" }, secretInputs: { values: true } });
    const c = await envVars.create(inputs);
    await service.delete!(s.id, s.outs);
    expect((await envVars.read!(c.id, c.outs)).id).toBe("");
    await envVars.delete!(c.id, c.outs);
  });
});

describe("two EnvVars resources sharing one service (each unmanaged by the other)", () => {
  it("parallel writes do not overwrite each other", async () => {
    const sim = await providerSim();
    try {
      const s = await service.create(
        (await service.check!({}, { name: "shared", ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/api:1" })).inputs,
      );
      const a = (await envVars.check!({}, { serviceId: s.id, values: { A1: "1", A2: "2" }, unmanagedKeys: ["B1"], secretInputs: { values: true } })).inputs;
      const b = (await envVars.check!({}, { serviceId: s.id, values: { B1: "x" }, unmanagedKeys: ["A1", "A2"], secretInputs: { values: true } })).inputs;
      // env vars are one list per service: the two resources would share an id, so they are told apart by the test only
      await Promise.all([envVars.create(a), envVars.create(b)]);
      const keys = (await sim.api.get(`/services/${s.id}/env-vars`)).body.map((x: { envVar: { key: string } }) => x.envVar.key).sort();
      expect(keys).toEqual(["A1", "A2", "B1"]);
      expect((await envVars.read!(`${s.id}/env-vars`, a)).props.values).toEqual({ A1: "1", A2: "2" });
      expect((await envVars.read!(`${s.id}/env-vars`, b)).props.values).toEqual({ B1: "x" });
    } finally {
      await sim.done();
    }
  });
});

describe("EnvVars on a suspended service", () => {
  it("stores the values without failing on the deploy Render refuses (409)", async () => {
    const sim = await providerSim();
    try {
      const s = await service.create(
        (await service.check!({}, { name: "paused", ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/api:1", suspended: true })).inputs,
      );
      expect((await sim.api.get(`/services/${s.id}`)).body.suspended).toBe("suspended");
      const inputs = (await envVars.check!({}, { serviceId: s.id, values: { A: "1" }, secretInputs: { values: true } })).inputs;
      await envVars.create(inputs);
      expect((await sim.api.get(`/services/${s.id}/env-vars`)).body.map((x: { envVar: { key: string } }) => x.envVar.key)).toEqual(["A"]);
    } finally {
      await sim.done();
    }
  });
});

describe("env changes reach the running service through the deploys the providers trigger", () => {
  // Render (and the simulator) store env writes without applying them; `stackguard/echo` reports its env on GET /env.
  it("EnvVars, EnvGroupLink and an EnvGroup value change each deploy; a rename alone does not", async () => {
    const sim = await providerSim({ appsRoot: resolve(__dirname, "..", "..", "fixtures") });
    try {
      const s = await service.create(
        await checked(service, {
          name: "echo-env",
          ownerId: STAGING_OWNER,
          type: "web_service",
          image: "stackguard/echo:1",
          healthCheckPath: "/healthz",
          autoDeploy: false,
        }),
      );
      const url = s.outs.url as string;
      const env = async () =>
        (await (await fetch(`${url}/env`, { signal: AbortSignal.timeout(5_000) })).json()) as { env: Record<string, string>; apiTokenSha256: string | null };
      const sha = (v: string) => createHash("sha256").update(v).digest("hex");
      const deploys = async () => ((await sim.api.get(`/services/${s.id}/deploys?limit=100`)).body as unknown[]).length;
      await eventually(async () => env().catch(() => undefined), 30_000, 50);

      await envVars.create(await checked(envVars, { serviceId: s.id, values: { API_TOKEN: "token-1" }, secretInputs: { values: true } }));
      await eventually(async () => (await env().catch(() => undefined))?.apiTokenSha256 === sha("token-1"), 30_000, 50);

      const g = await envGroup.create(
        await checked(envGroup, { name: "echo-shared", ownerId: STAGING_OWNER, envVars: { GREETING: "hello" }, secretInputs: { envVars: true } }),
      );
      await link.create(await checked(link, { envGroupId: g.id, serviceId: s.id }));
      await eventually(async () => (await env().catch(() => undefined))?.env.GREETING === "hello", 30_000, 50);

      const before = await deploys();
      const changed = await checked(envGroup, {
        name: "echo-shared",
        ownerId: STAGING_OWNER,
        envVars: { GREETING: "bonjour" },
        secretInputs: { envVars: true },
      });
      const u = await sim.count(() => envGroup.update!(g.id, g.outs, changed));
      expect(u.byRoute).toEqual({ "PUT /env-groups/:id/env-vars/:name": 1, "POST /services/:id/deploys": 1 });
      await eventually(async () => (await env().catch(() => undefined))?.env.GREETING === "bonjour", 30_000, 50);
      expect(await deploys()).toBe(before + 1);

      const renamed = await sim.count(() => envGroup.update!(g.id, { ...g.outs, ...changed }, { ...changed, name: "echo-shared-2" }));
      expect(renamed.byRoute).toEqual({ "PATCH /env-groups/:id": 1 });
    } finally {
      await sim.done();
    }
  });
});

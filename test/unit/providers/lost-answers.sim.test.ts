import { provider as domain } from "../../../infra/providers/impl/custom-domain";
import { provider as envGroup } from "../../../infra/providers/impl/env-group";
import { provider as link } from "../../../infra/providers/impl/env-group-link";
import { provider as envVars } from "../../../infra/providers/impl/env-vars";
import { provider as postgres } from "../../../infra/providers/impl/postgres";
import { provider as service } from "../../../infra/providers/impl/service";
import { requestLog } from "../../../infra/render/request-log";
import { eventually } from "../sim/helpers";
import { providerSim, STAGING_OWNER } from "./sim-harness";

type P = typeof service;

async function checked(p: P, news: Record<string, unknown>) {
  const r = await p.check!({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}

/**
 * Deterministic versions of what `faults.sim.test.ts` and `npm run test:faults` find at random: a write whose change
 * Render committed but whose answer was lost (a 5xx after the commit). A create looks its object up by name before
 * sending again (one object, adopted); a deploy trigger is sent again (the second supersedes the first).
 */
describe("a write whose answer was lost after Render committed it", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  let serviceId = "";
  beforeAll(async () => {
    sim = await providerSim();
  });
  afterAll(async () => {
    await sim.done();
  });
  afterEach(async () => {
    await sim.faults({});
  });

  const lose = (method: string, path: string, times = 1) => sim.faults({ rules: [{ method, path, status: 502, when: "after", times }] });
  const posts = (route: string) =>
    requestLog
      .list()
      .filter((e) => `${e.method} ${e.path}`.match(route))
      .map((e) => e.status);

  it("Service: the create's 502 is followed by a lookup that adopts the one service made", async () => {
    await lose("POST", "^/services$");
    requestLog.reset();
    const s = await service.create(
      await checked(service, { name: "lost-api", ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/api:1", healthCheckPath: "/healthz" }),
    );
    serviceId = s.id;
    expect(posts("^POST /services$")).toEqual([502]);
    expect((await sim.api.get(`/services?name=lost-api&ownerId=${STAGING_OWNER}`)).body.map((r: any) => r.service.id)).toEqual([s.id]);
  });

  it("EnvGroup and Postgres: one object each, adopted", async () => {
    await lose("POST", "^/env-groups$");
    const g = await envGroup.create(
      await checked(envGroup, { name: "lost-env", ownerId: STAGING_OWNER, envVars: { A: "1" }, secretInputs: { envVars: true } }),
    );
    expect((await sim.api.get(`/env-groups?name=lost-env&ownerId=${STAGING_OWNER}`)).body.map((r: any) => (r.envGroup ?? r).id)).toEqual([g.id]);
    await lose("POST", "^/postgres$");
    const db = await postgres.create(await checked(postgres, { name: "lost-db", ownerId: STAGING_OWNER, plan: "basic_256mb", version: "16" }));
    expect((await sim.api.get(`/postgres?name=lost-db&ownerId=${STAGING_OWNER}`)).body.map((r: any) => r.postgres.id)).toEqual([db.id]);
  });

  it("CustomDomain: the domain made by the lost create is adopted, not refused as taken", async () => {
    await lose("POST", "^/services/[^/]+/custom-domains$");
    const d = await domain.create(await checked(domain, { serviceId, name: "lost.alphaplatform.example" }));
    expect((await sim.api.get(`/services/${serviceId}/custom-domains`)).body.map((r: any) => r.customDomain.id)).toEqual([d.id]);
  });

  it("EnvGroupLink and EnvVars: the link, the PUT and the deploy trigger are sent again; one link, one live deploy with the env", async () => {
    await eventually(async () => ((await sim.api.get(`/services/${serviceId}/deploys`)).body as any[]).some((r) => r.deploy.status === "live"), 30_000, 50);
    const g = await envGroup.create(
      await checked(envGroup, { name: "lost-link-env", ownerId: STAGING_OWNER, envVars: { B: "2" }, secretInputs: { envVars: true } }),
    );
    await sim.faults({
      rules: [
        { method: "POST", path: "^/env-groups/[^/]+/services/", status: 502, when: "after", times: 1 },
        { method: "PUT", path: "^/services/[^/]+/env-vars$", status: 503, when: "after", times: 1 },
        { method: "POST", path: "^/services/[^/]+/deploys$", status: 502, when: "after", times: 2 },
      ],
    });
    requestLog.reset();
    await link.create(await checked(link, { envGroupId: g.id, serviceId }));
    await envVars.create(await checked(envVars, { serviceId, values: { C: "3" }, secretInputs: { values: true } }));
    expect(posts("^POST /env-groups/")).toEqual([502, 200]);
    expect(posts("^PUT /services/[^/]+/env-vars$")).toEqual([503, 200]);
    // The link's trigger: two lost answers (two deploys started), then the third, which supersedes them; then the
    // env vars' trigger, answered.
    expect(posts("^POST /services/[^/]+/deploys$")).toEqual([502, 502, 201, 201]);
    expect((await sim.api.get(`/env-groups/${g.id}`)).body.serviceLinks.map((l: any) => l.id)).toEqual([serviceId]);
    const settled = await eventually(
      async () => {
        const ds = ((await sim.api.get(`/services/${serviceId}/deploys?limit=20`)).body as any[]).map((r) => r.deploy);
        return ds.some((d) => ["created", "queued", "update_in_progress"].includes(d.status)) ? undefined : ds;
      },
      30_000,
      50,
    );
    expect(settled[0].status).toBe("live");
    expect(settled.filter((d: any) => d.status === "live")).toHaveLength(1);
    // The three superseded ones were canceled while under way (or had gone live and were then replaced).
    for (const d of settled.slice(1, 4)) expect(["canceled", "deactivated"]).toContain(d.status);
  });
});

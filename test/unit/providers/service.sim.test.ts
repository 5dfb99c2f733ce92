import { provider } from "../../../infra/providers/impl/service";
import { providerSim, STAGING_OWNER } from "./sim-harness";

/** check() then create(), as the engine does. */
async function checked(news: Record<string, unknown>) {
  const r = await provider.check!({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}

describe("Service provider against the simulator", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  beforeAll(async () => {
    sim = await providerSim();
  });
  afterAll(async () => {
    await sim.done();
  });

  const web = {
    name: "api-blue",
    ownerId: STAGING_OWNER,
    type: "web_service",
    image: "docker.io/acme/api:1.0.0",
    healthCheckPath: "/healthz",
    plan: "starter",
    numInstances: 1,
  };

  it("create → read → update in place → diff clean → delete (404 afterwards is fine)", async () => {
    const inputs = await checked(web);
    const created = await sim.count(() => provider.create(inputs));
    const id = created.result.id;
    expect(id).toMatch(/^srv-/);
    expect(created.result.outs).toMatchObject({ serviceId: id, name: "api-blue", plan: "starter", autoDeploy: true });
    expect(created.writes).toBe(1); // the POST
    expect(created.reads).toBe(1); // the adoption lookup

    // read sees exactly what we asked for: no spurious diff after refresh
    const read = await sim.count(() => provider.read!(id, created.result.outs));
    expect(read.calls).toBe(1);
    expect((await provider.diff!(id, read.result.props, inputs)).changes).toBe(false);

    // plan + instances + health path: in place
    const news = await checked({ ...web, plan: "standard", numInstances: 3, healthCheckPath: "/ready" });
    const d = await provider.diff!(id, read.result.props, news);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const upd = await sim.count(() => provider.update!(id, read.result.props, news));
    expect(upd.result.outs).toMatchObject({ serviceId: id, plan: "standard", numInstances: 3, healthCheckPath: "/ready", slug: created.result.outs.slug });
    expect(upd.byRoute).toEqual({ "PATCH /services/:id": 1, "POST /services/:id/scale": 1 });
    const after = await provider.read!(id, upd.result.outs);
    expect(after.props).toMatchObject({ plan: "standard", numInstances: 3, healthCheckPath: "/ready" });
    expect((await provider.diff!(id, after.props, news)).changes).toBe(false);

    await provider.delete!(id, after.props);
    expect((await provider.read!(id, after.props)).id).toBe("");
    await provider.delete!(id, after.props); // already gone: fine
  });

  it("autoscaling on and off, suspend and resume", async () => {
    const inputs = await checked({ ...web, name: "api-auto" });
    const { id, outs } = await provider.create(inputs);
    const auto = await checked({ ...web, name: "api-auto", autoscaling: { min: 2, max: 5, cpuPercent: 60 } });
    const u1 = await sim.count(() => provider.update!(id, outs, auto));
    expect(u1.byRoute).toEqual({ "PUT /services/:id/autoscaling": 1 });
    let live = (await provider.read!(id, u1.result.outs)).props;
    expect(live.autoscaling).toEqual({ enabled: true, min: 2, max: 5, cpuPercent: 60 });
    expect((await provider.diff!(id, live, auto)).changes).toBe(false);

    const suspended = await checked({ ...web, name: "api-auto", suspended: true });
    const u2 = await sim.count(() => provider.update!(id, live, suspended));
    expect(u2.byRoute).toMatchObject({ "DELETE /services/:id/autoscaling": 1, "POST /services/:id/suspend": 1 });
    live = (await provider.read!(id, u2.result.outs)).props;
    expect(live.suspended).toBe(true);
    expect(live.autoscaling).toBeUndefined();
    await provider.delete!(id, live);
  });

  it("refresh sees an out-of-band change (drift), and the next diff proposes to undo it", async () => {
    const inputs = await checked({ ...web, name: "api-drift" });
    const { id, outs } = await provider.create(inputs);
    // Someone changes the plan and health path in Render's dashboard (here: straight through the simulator's API).
    const r = await sim.api.patch(`/services/${id}`, { serviceDetails: { plan: "pro", healthCheckPath: "/other" } });
    expect(r.status).toBe(200);
    const read = await provider.read!(id, outs);
    expect(read.props).toMatchObject({ plan: "pro", healthCheckPath: "/other" });
    expect(read.inputs).toMatchObject({ plan: "pro", healthCheckPath: "/other" });
    const d = await provider.diff!(id, read.props, inputs);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    await provider.delete!(id, read.props);
  });

  it("changing region or type replaces; the replacement is created beside the old one, not adopted from it", async () => {
    const inputs = await checked({ ...web, name: "api-move" });
    const old = await provider.create(inputs);
    const moved = await checked({ ...web, name: "api-move", region: "frankfurt" });
    expect((await provider.diff!(old.id, old.outs, moved)).replaces).toEqual(["region"]);
    const repl = await provider.create(moved); // create-before-delete, same name
    expect(repl.id).not.toBe(old.id);
    expect(repl.outs.region).toBe("frankfurt");
    await provider.delete!(old.id, old.outs);
    await provider.delete!(repl.id, repl.outs);
  });

  it("a create whose answer was lost (5xx after commit) is adopted on retry: no twin", async () => {
    const inputs = await checked({ ...web, name: "api-lost-answer" });
    await sim.faults({ rules: [{ method: "POST", path: "^/services$", status: 502, when: "after", times: 1 }] });
    const { id, outs } = await provider.create(inputs);
    expect((await sim.faultStats()).injected).toBe(1);
    await sim.faults({});
    const twins = await sim.api.get(`/services?name=api-lost-answer&ownerId=${STAGING_OWNER}`);
    expect(twins.body).toHaveLength(1);
    expect(twins.body[0].service.id).toBe(id);
    // and a second create (a re-run after a crash) adopts too, converging instead of duplicating
    const again = await provider.create(await checked({ ...web, name: "api-lost-answer", plan: "standard" }));
    expect(again.id).toBe(id);
    expect((await sim.api.get(`/services/${id}`)).body.serviceDetails.plan).toBe("standard");
    await provider.delete!(id, outs);
  });

  it("a create refused before commit (503) is retried after a lookup and succeeds once", async () => {
    const inputs = await checked({ ...web, name: "api-refused" });
    await sim.faults({ rules: [{ method: "POST", path: "^/services$", status: 503, when: "before", times: 1 }] });
    const { id, outs } = await provider.create(inputs);
    await sim.faults({});
    const list = await sim.api.get(`/services?name=api-refused&ownerId=${STAGING_OWNER}`);
    expect(list.body.map((x: { service: { id: string } }) => x.service.id)).toEqual([id]);
    await provider.delete!(id, outs);
  });

  it("refresh keeps the program's spelling of an image Render spelled out, and still shows a real image change", async () => {
    const inputs = await checked({ ...web, name: "api-short-image", image: "nginx" });
    const { id, outs } = await provider.create(inputs);
    expect((await sim.api.get(`/services/${id}`)).body.imagePath).toBe("docker.io/library/nginx:latest");
    const read = await provider.read!(id, outs);
    expect(read.props.image).toBe("nginx");
    expect(read.inputs!.image).toBe("nginx");
    await sim.api.patch(`/services/${id}`, { image: { ownerId: STAGING_OWNER, imagePath: "docker.io/library/nginx:1.27" } });
    const drift = await provider.read!(id, read.props);
    expect(drift.props.image).toBe("docker.io/library/nginx:1.27");
    expect((await provider.diff!(id, drift.props, inputs)).changes).toBe(true);
    await provider.delete!(id, drift.props);
  });

  it("creates inside a Render environment and moves between environments in place", async () => {
    const prj = await sim.api.post("/projects", { name: "platform", ownerId: STAGING_OWNER, environments: [{ name: "staging" }, { name: "staging-b" }] });
    const [envA, envB] = prj.body.environmentIds as string[];
    const inputs = await checked({ ...web, name: "api-env", environmentId: envA });
    const { id, outs } = await provider.create(inputs);
    const read = await provider.read!(id, outs);
    expect(read.props.environmentId).toBe(envA);
    expect((await provider.diff!(id, read.props, inputs)).changes).toBe(false);
    const moved = await checked({ ...web, name: "api-env", environmentId: envB });
    expect(await provider.diff!(id, read.props, moved)).toMatchObject({ changes: true, replaces: [] });
    await provider.update!(id, read.props, moved);
    expect((await sim.api.get(`/services/${id}`)).body.environmentId).toBe(envB);
    expect((await sim.api.get(`/environments/${envA}`)).body.serviceIds ?? []).not.toContain(id);
    await provider.delete!(id, moved);
  });

  it("static site and background worker from a repo", async () => {
    const site = await checked({
      name: "site",
      ownerId: STAGING_OWNER,
      type: "static_site",
      repo: "https://github.com/acme/site",
      buildCommand: "npm run build",
      publishPath: "dist",
    });
    const s = await provider.create(site);
    const sr = await provider.read!(s.id, s.outs);
    expect(sr.props).toMatchObject({ type: "static_site", publishPath: "dist", buildCommand: "npm run build", branch: "main" });
    expect((await provider.diff!(s.id, sr.props, site)).changes).toBe(false);
    const worker = await checked({
      name: "jobs",
      ownerId: STAGING_OWNER,
      type: "background_worker",
      repo: "https://github.com/acme/jobs",
      runtime: "node",
      buildCommand: "npm ci",
      startCommand: "node worker.js",
      preDeployCommand: "node migrate.js",
    });
    const w = await provider.create(worker);
    const wr = await provider.read!(w.id, w.outs);
    expect(wr.props).toMatchObject({ runtime: "node", startCommand: "node worker.js", preDeployCommand: "node migrate.js" });
    expect((await provider.diff!(w.id, wr.props, worker)).changes).toBe(false);
    await provider.delete!(s.id, sr.props);
    await provider.delete!(w.id, wr.props);
  });
});

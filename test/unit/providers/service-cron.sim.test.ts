import { cronScheduleProblem } from "../../../infra/providers/cron-schedule";
import { provider as customDomain } from "../../../infra/providers/impl/custom-domain";
import { provider } from "../../../infra/providers/impl/service";
import { providerSim, STAGING_OWNER } from "./sim-harness";

/** check() then create(), as the engine does. */
async function checked(news: Record<string, unknown>) {
  const r = await provider.check!({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}

/** The check failures of `news`, as `property: reason` (without the `Service "name": property: ` prefix of each reason). */
async function failures(news: Record<string, unknown>): Promise<string[]> {
  const r = await provider.check!({}, news);
  return (r.failures ?? []).map((f) => {
    const prefix = `Service "${String(news.name)}": ${f.property}: `;
    expect(f.reason.startsWith(prefix)).toBe(true);
    return `${f.property}: ${f.reason.slice(prefix.length)}`;
  });
}

const cron = {
  name: "nightly-backup",
  ownerId: STAGING_OWNER,
  type: "cron_job",
  image: "docker.io/acme/ops:1.0.0",
  startCommand: "npm run db:backup -- --stack staging --json",
  schedule: "0 3 * * *",
};

describe("cron job schedules", () => {
  it.each(["0 3 * * *", "*/15 * * * *", "0 0 1 JAN ?", "30 2 * * MON-FRI", "0 9-17/2 1,15 * 0", "5 4 * 6-8 sun"])("accepts %s", (s) => {
    expect(cronScheduleProblem(s)).toBeUndefined();
  });

  it.each([
    ["@daily", /five fields/],
    ["0 3 * *", /five fields/],
    ["0 3 * * * *", /five fields/],
    ["60 3 * * *", /minute 60 is outside 0–59/],
    ["0 24 * * *", /hour 24 is outside 0–23/],
    ["0 3 0 * *", /day of month 0 is outside 1–31/],
    ["0 3 * 13 *", /month 13 is outside 1–12/],
    ["0 3 * * 7", /day of week 7 is outside 0–6/],
    ["0 3 * * FUN", /day of week "FUN" is not a number or a name \(SUN…SAT\)/],
    ["*/0 * * * *", /step "0"/],
    ["0 5-1 * * *", /runs backwards/],
    ["0 ? * * *", /hour "\?" is not a number/],
  ])("rejects %s", (s, why) => {
    expect(cronScheduleProblem(s)).toMatch(why);
  });
});

describe("Service provider: cron jobs against the simulator", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  beforeAll(async () => {
    sim = await providerSim();
  });
  afterAll(async () => {
    await sim.done();
  });

  it("check names the field and the fix for what a cron job cannot have", async () => {
    expect(await failures({ ...cron, schedule: undefined })).toEqual([expect.stringMatching(/^schedule: a cron job needs a schedule/)]);
    expect(await failures({ ...cron, schedule: "every night" })).toEqual([expect.stringMatching(/^schedule: .*five fields.*e\.g\. "0 3 \* \* \*"/)]);
    expect(await failures({ ...cron, schedule: "0 25 * * *" })).toEqual([expect.stringMatching(/^schedule: .*hour 25 is outside 0–23/)]);
    expect(await failures({ ...cron, numInstances: 2 })).toEqual([expect.stringMatching(/^numInstances: .*remove numInstances/)]);
    expect(await failures({ ...cron, autoscaling: { min: 1, max: 3 } })).toEqual([
      expect.stringMatching(/^autoscaling: .*cannot autoscale: remove autoscaling/),
    ]);
    expect(await failures({ ...cron, healthCheckPath: "/healthz" })).toEqual([
      expect.stringMatching(/^healthCheckPath: a cron job has no health check.*remove healthCheckPath/),
    ]);
    expect(await failures({ ...cron, preDeployCommand: "node migrate.js" })).toEqual([expect.stringMatching(/^preDeployCommand: .*remove preDeployCommand/)]);
    expect(await failures({ ...cron, maxShutdownDelaySeconds: 60 })).toEqual([expect.stringMatching(/^maxShutdownDelaySeconds: .*remove/)]);
    expect(await failures({ ...cron, publishPath: "dist" })).toEqual([expect.stringMatching(/^publishPath: /)]);
    // Render's paidPlan for cron jobs has no starter_plus / standard_plus.
    expect(await failures({ ...cron, plan: "starter_plus" })).toEqual([
      expect.stringMatching(/^plan: a cron job cannot use plan starter_plus; use one of starter, standard/),
    ]);
    expect(await failures({ ...cron, image: undefined, repo: "https://github.com/acme/ops", runtime: "node", startCommand: undefined })).toEqual([
      expect.stringMatching(/^startCommand: runtime node needs a startCommand/),
    ]);
    expect(await failures({ name: "api", ownerId: STAGING_OWNER, type: "web_service", image: "nginx", schedule: "0 3 * * *" })).toEqual([
      expect.stringMatching(/^schedule: schedule applies to cron jobs only: remove it, or set type to "cron_job"/),
    ]);
  });

  it("create → read → schedule and command changed in place with one PATCH → the next diff is clean → delete", async () => {
    const inputs = await checked(cron);
    expect(inputs.numInstances).toBeUndefined();
    const created = await sim.count(() => provider.create(inputs));
    const id = created.result.id;
    expect(id).toMatch(/^crn-/);
    expect(created.writes).toBe(1);
    expect(created.result.outs).toMatchObject({ serviceId: id, type: "cron_job", schedule: "0 3 * * *", plan: "starter", region: "oregon", runtime: "image" });
    expect(created.result.outs.url).toBeUndefined();
    const live = (await sim.api.get(`/services/${id}`)).body;
    expect(live.serviceDetails).toMatchObject({ schedule: "0 3 * * *", plan: "starter", region: "oregon", runtime: "image" });
    expect(live.serviceDetails.envSpecificDetails.dockerCommand).toBe(cron.startCommand);
    expect(live.serviceDetails).not.toHaveProperty("numInstances");

    const read = await provider.read!(id, created.result.outs);
    expect(read.props).toMatchObject({ schedule: "0 3 * * *", startCommand: cron.startCommand });
    expect((await provider.diff!(id, read.props, inputs)).changes).toBe(false);

    const news = await checked({ ...cron, schedule: "30 2 * * MON-FRI", startCommand: "npm run drift", plan: "standard" });
    expect(await provider.diff!(id, read.props, news)).toMatchObject({ changes: true, replaces: [] });
    const upd = await sim.count(() => provider.update!(id, read.props, news));
    expect(upd.byRoute).toEqual({ "PATCH /services/:id": 1 });
    expect(upd.result.outs).toMatchObject({ serviceId: id, schedule: "30 2 * * MON-FRI", plan: "standard" });
    // Converged: what Render now holds diffs clean against the new inputs (a field diffed but never sent would not).
    const after = await provider.read!(id, upd.result.outs);
    expect(after.props).toMatchObject({ schedule: "30 2 * * MON-FRI", startCommand: "npm run drift", plan: "standard" });
    expect((await provider.diff!(id, after.props, news)).changes).toBe(false);
    expect((await provider.diff!(id, upd.result.outs, news)).changes).toBe(false);

    // Schedule alone: still one PATCH, still converges.
    const only = await checked({ ...cron, schedule: "0 4 * * *", startCommand: "npm run drift", plan: "standard" });
    const u2 = await sim.count(() => provider.update!(id, after.props, only));
    expect(u2.byRoute).toEqual({ "PATCH /services/:id": 1 });
    const after2 = await provider.read!(id, u2.result.outs);
    expect(after2.props.schedule).toBe("0 4 * * *");
    expect((await provider.diff!(id, after2.props, only)).changes).toBe(false);

    await provider.delete!(id, after2.props);
    expect((await provider.read!(id, after2.props)).id).toBe("");
    await provider.delete!(id, after2.props); // already gone: fine
  });

  it("refresh sees a schedule changed out of band, and the next diff proposes to undo it in place", async () => {
    const inputs = await checked({ ...cron, name: "cron-drift" });
    const { id, outs } = await provider.create(inputs);
    expect((await sim.api.patch(`/services/${id}`, { serviceDetails: { schedule: "*/5 * * * *" } })).status).toBe(200);
    const read = await provider.read!(id, outs);
    expect(read.inputs).toMatchObject({ schedule: "*/5 * * * *" });
    expect(await provider.diff!(id, read.props, inputs)).toMatchObject({ changes: true, replaces: [] });
    await provider.update!(id, read.props, inputs);
    expect((await sim.api.get(`/services/${id}`)).body.serviceDetails.schedule).toBe("0 3 * * *");
    await provider.delete!(id, read.props);
  });

  it("a repo-backed native cron job reads back clean; changing type to a worker is a replacement", async () => {
    const inputs = await checked({
      name: "cron-repo",
      ownerId: STAGING_OWNER,
      type: "cron_job",
      repo: "https://github.com/acme/ops",
      runtime: "node",
      buildCommand: "npm ci",
      startCommand: "node backup.js",
      schedule: "15 1 * * *",
      region: "frankfurt",
    });
    const { id, outs } = await provider.create(inputs);
    const live = (await sim.api.get(`/services/${id}`)).body;
    expect(live.serviceDetails.envSpecificDetails).toMatchObject({ buildCommand: "npm ci", startCommand: "node backup.js" });
    const read = await provider.read!(id, outs);
    expect(read.props).toMatchObject({ runtime: "node", branch: "main", region: "frankfurt", schedule: "15 1 * * *" });
    expect((await provider.diff!(id, read.props, inputs)).changes).toBe(false);

    const { schedule: _schedule, ...rest } = inputs as Record<string, unknown>;
    const worker = await checked({ ...rest, type: "background_worker" });
    expect((await provider.diff!(id, read.props, worker)).replaces).toEqual(["type"]);
    await provider.delete!(id, read.props);
  });

  it("a custom domain on a cron job is refused at check, naming serviceId and the fix", async () => {
    const { id, outs } = await provider.create(await checked({ ...cron, name: "cron-domain" }));
    const r = await customDomain.check!({}, { serviceId: id, name: "jobs.example.com" });
    expect(r.failures).toEqual([{ property: "serviceId", reason: expect.stringMatching(/cron job .*no custom domains.*web service or static site/) }]);
    await provider.delete!(id, outs);
  });
});

import { eventually, gitWebService, imageWebService, STAGING, withSim } from "./helpers";

/** Deploy life cycles on a real simulator at timeScale 0.01 (a 30 s build takes 300 ms). */
describe("deploy life cycles", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  beforeAll(async () => {
    h = await withSim({ timeScale: 0.01 });
  });
  afterAll(() => h.done());

  const deploy = (svc: string, id: string) => h.api.get(`/services/${svc}/deploys/${id}`);
  const statusOf = async (svc: string, id: string) => (await deploy(svc, id)).body.status as string;

  it("runs a git deploy through build, pre-deploy and update to live, deactivating the previous live deploy", async () => {
    const created = await h.api.post("/services", gitWebService("lifecycle-git", { preDeployCommand: "echo migrated" }));
    expect(created.status).toBe(201);
    const svc = created.body.service.id as string;
    const first = await deploy(svc, created.body.deployId);
    expect(first.body.status).toBe("build_in_progress");
    const seen = new Set<string>();
    await eventually(async () => {
      const s = await statusOf(svc, created.body.deployId);
      seen.add(s);
      return s === "live";
    });
    expect(seen.has("pre_deploy_in_progress") || seen.has("update_in_progress")).toBe(true);
    const live = await deploy(svc, created.body.deployId);
    expect(live.body.finishedAt).toEqual(expect.stringMatching(/Z$/));
    expect(live.body.startedAt).toEqual(expect.stringMatching(/Z$/));

    const second = await h.api.post(`/services/${svc}/deploys`, { commitId: "0123456789abcdef0123456789abcdef01234567" });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ status: "build_in_progress", trigger: "api", finishedAt: null });
    expect(second.body.commit.id).toBe("0123456789abcdef0123456789abcdef01234567");
    expect(Object.keys(second.body)).toEqual(["id", "commit", "status", "trigger", "createdAt", "updatedAt", "finishedAt"]);
    await eventually(async () => (await statusOf(svc, second.body.id)) === "live");
    expect(await statusOf(svc, created.body.deployId)).toBe("deactivated");

    const events = await h.api.get(`/services/${svc}/events?limit=100`);
    const types = events.body.map((e: any) => e.event.type);
    expect(types).toEqual(expect.arrayContaining(["deploy_started", "deploy_ended"]));
  });

  it("image deploys start in update_in_progress with commit null and the image ref", async () => {
    const created = await h.api.post("/services", imageWebService("lifecycle-image"));
    const svc = created.body.service.id;
    await eventually(async () => (await statusOf(svc, created.body.deployId)) === "live");
    const d = await h.api.post(`/services/${svc}/deploys`, { imageUrl: "docker.io/acme/web:1.1.0" });
    expect(d.status).toBe(201);
    expect(d.body).toMatchObject({ commit: null, status: "update_in_progress", image: { ref: "docker.io/acme/web:1.1.0" } });
    await eventually(async () => (await statusOf(svc, d.body.id)) === "live");
    expect((await h.api.get(`/services/${svc}`)).body.imagePath).toBe("docker.io/acme/web:1.1.0");
    const wrongRepo = await h.api.post(`/services/${svc}/deploys`, { imageUrl: "docker.io/other/app:1" });
    expect(wrongRepo.status).toBe(400);
    expect(wrongRepo.body.message).toMatch(/imageUrl/);
  });

  it("failNextDeploy makes the next deploy fail once (build_failed for git, update_failed for images)", async () => {
    const git = await h.api.post("/services", gitWebService("lifecycle-fail-git"));
    const gsvc = git.body.service.id;
    await eventually(async () => (await statusOf(gsvc, git.body.deployId)) === "live");
    const put = await h.api.call("PUT", `/__sim/services/${gsvc}/faults`, { failNextDeploy: true }, { admin: true });
    expect(put.status).toBe(200);
    const bad = await h.api.post(`/services/${gsvc}/deploys`, {});
    await eventually(async () => (await statusOf(gsvc, bad.body.id)) === "build_failed");
    expect(await statusOf(gsvc, git.body.deployId)).toBe("live");
    expect((await h.api.call("GET", `/__sim/services/${gsvc}/faults`, undefined, { admin: true })).body.failNextDeploy).toBe(false);
    const good = await h.api.post(`/services/${gsvc}/deploys`, {});
    await eventually(async () => (await statusOf(gsvc, good.body.id)) === "live");

    const img = await h.api.post("/services", imageWebService("lifecycle-fail-image"));
    const isvc = img.body.service.id;
    await eventually(async () => (await statusOf(isvc, img.body.deployId)) === "live");
    await h.api.call("PUT", `/__sim/services/${isvc}/faults`, { failNextDeploy: true }, { admin: true });
    const bad2 = await h.api.post(`/services/${isvc}/deploys`, {});
    await eventually(async () => (await statusOf(isvc, bad2.body.id)) === "update_failed");
  });

  it("cancel ends an in-progress deploy as canceled; a finished deploy cannot be canceled", async () => {
    const created = await h.api.post("/services", gitWebService("lifecycle-cancel"));
    const svc = created.body.service.id;
    const c = await h.api.post(`/services/${svc}/deploys/${created.body.deployId}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body.status).toBe("canceled");
    expect(c.body.finishedAt).toEqual(expect.stringMatching(/Z$/));
    const again = await h.api.post(`/services/${svc}/deploys/${created.body.deployId}/cancel`);
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/canceled/);
  });

  it("a new deploy overrides the in-progress one by default; the Wait policy queues it (202, no body)", async () => {
    const a = await h.api.post("/services", gitWebService("lifecycle-override"));
    const svc = a.body.service.id;
    const b = await h.api.post(`/services/${svc}/deploys`, {});
    expect(b.status).toBe(201);
    expect(await statusOf(svc, a.body.deployId)).toBe("canceled");

    const policy = await h.api.call("PUT", `/__sim/owners/${STAGING}/settings`, { overlappingDeployPolicy: "wait" }, { admin: true });
    expect(policy.status).toBe(200);
    try {
      const w = await h.api.post("/services", gitWebService("lifecycle-wait"));
      const wsvc = w.body.service.id;
      const queued = await h.api.post(`/services/${wsvc}/deploys`, {});
      expect(queued.status).toBe(202);
      expect(queued.text).toBe("");
      expect(queued.headers.get("content-type")).toBeNull();
      const list = await h.api.get(`/services/${wsvc}/deploys`);
      expect(list.body[0].deploy.status).toBe("queued");
      await eventually(async () => (await h.api.get(`/services/${wsvc}/deploys?status=live`)).body[0]?.deploy.id === list.body[0].deploy.id);
      expect(await statusOf(wsvc, w.body.deployId)).toBe("deactivated");
    } finally {
      await h.api.call("PUT", `/__sim/owners/${STAGING}/settings`, { overlappingDeployPolicy: "override" }, { admin: true });
    }
  });

  it("rollback redeploys an earlier live deploy's image with trigger rollback", async () => {
    const created = await h.api.post("/services", imageWebService("lifecycle-rollback"));
    const svc = created.body.service.id;
    await eventually(async () => (await statusOf(svc, created.body.deployId)) === "live");
    const v2 = await h.api.post(`/services/${svc}/deploys`, { imageUrl: "docker.io/acme/web:2.0.0" });
    await eventually(async () => (await statusOf(svc, v2.body.id)) === "live");
    const rb = await h.api.post(`/services/${svc}/rollback`, { deployId: created.body.deployId });
    expect(rb.status).toBe(201);
    expect(rb.body).toMatchObject({ trigger: "rollback", image: { ref: "docker.io/acme/web:1.0.0" } });
    await eventually(async () => (await statusOf(svc, rb.body.id)) === "live");
    expect((await h.api.get(`/services/${svc}`)).body.imagePath).toBe("docker.io/acme/web:1.0.0");
    const unknown = await h.api.post(`/services/${svc}/rollback`, { deployId: "dep-doesnotexist0000000" });
    expect(unknown.status).toBe(404);
  });

  it("cron job deploys are live at once, with startedAt and finishedAt", async () => {
    const created = await h.api.post("/services", {
      type: "cron_job",
      name: "lifecycle-cron",
      ownerId: STAGING,
      image: { ownerId: STAGING, imagePath: "docker.io/acme/cron:1.0.0" },
      serviceDetails: { runtime: "image", schedule: "*/5 * * * *" },
    });
    expect(created.status).toBe(201);
    expect(created.body.service.id).toMatch(/^crn-/);
    expect(created.body.service.slug).toMatch(/^lifecycle-cron-[a-z0-9]{4}$/);
    const d = await h.api.post(`/services/${created.body.service.id}/deploys`, {});
    expect(d.status).toBe(201);
    expect(d.body.status).toBe("live");
    expect(d.body.startedAt).toBeDefined();

    const git = await h.api.post("/services", {
      type: "cron_job",
      name: "lifecycle-cron-git",
      ownerId: STAGING,
      repo: "https://github.com/acme/jobs",
      serviceDetails: { runtime: "node", schedule: "0 * * * *", envSpecificDetails: { buildCommand: "npm ci", startCommand: "node job.js" } },
    });
    const built = await h.api.get(`/services/${git.body.service.id}/deploys/${git.body.deployId}`);
    expect(built.body.status).toBe("build_in_progress");
    await eventually(async () => (await statusOf(git.body.service.id, git.body.deployId)) === "live");
  });
});

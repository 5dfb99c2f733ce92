import { allRoutes } from "../../sim/api";
import { SEED } from "../../sim/seed";
import { client, eventually, gitWebService, imageWebService, STAGING, withSim, type Answer } from "../unit/sim/helpers";
import { templateOf, validateAgainstSpec } from "./specvalidation";

/**
 * Every operation the simulator serves is called at least once, and every answer is validated against Render's
 * OpenAPI document (with only the recorded deviations listed in specvalidation.ts).
 */
describe("every simulator operation answers per openapi.json", () => {
  const covered = new Set<string>();
  const problems: string[] = [];
  let h: Awaited<ReturnType<typeof withSim>>;

  beforeAll(async () => {
    h = await withSim({ timeScale: 0.01 });
    const raw = client(h.sim);
    // Wrap the client so each answer is validated and its operation marked as covered.
    const wrap = (fn: (...a: any[]) => Promise<Answer>, method: string) => async (path: string, body?: unknown) => {
      const r = await fn(path, body);
      const bare = path.split("?")[0];
      const t = templateOf(method, bare);
      if (t) covered.add(`${method} ${t}`);
      problems.push(...validateAgainstSpec(method, bare, r.status, r.body).map((p) => `${p} (${path})`));
      return r;
    };
    h.api = {
      ...raw,
      get: wrap(raw.get, "GET"),
      post: wrap(raw.post, "POST"),
      put: wrap(raw.put, "PUT"),
      patch: wrap(raw.patch, "PATCH"),
      del: wrap(raw.del, "DELETE"),
    };
  });
  afterAll(() => h.done());

  it("serves services, deploys, scaling and suspension", async () => {
    const { api } = h;
    const web = await api.post("/services", imageWebService("ops-web", { numInstances: 2 }));
    expect(web.status).toBe(201);
    const id = web.body.service.id;
    const git = await api.post("/services", gitWebService("ops-git"));
    for (const type of ["private_service", "background_worker"]) {
      expect((await api.post("/services", { ...imageWebService(`ops-${type}`), type, serviceDetails: { runtime: "image" } })).status).toBe(201);
    }
    const site = await api.post("/services", {
      type: "static_site",
      name: "ops-site",
      ownerId: STAGING,
      repo: "https://github.com/a/site",
      serviceDetails: { buildCommand: "make", publishPath: "public", routes: [{ type: "rewrite", source: "/*", destination: "/index.html" }] },
    });
    expect(site.status).toBe(201);
    expect((await api.get(`/services?ownerId=${STAGING}&limit=100`)).status).toBe(200);
    expect((await api.get(`/services/${id}`)).status).toBe(200);
    expect((await api.patch(`/services/${id}`, { name: "ops-web-renamed", serviceDetails: { healthCheckPath: "/ready" } })).body.name).toBe("ops-web-renamed");
    await eventually(async () => (await api.get(`/services/${id}/deploys/${web.body.deployId}`)).body.status === "live");
    expect((await api.get(`/services/${id}/deploys?limit=5`)).body).toHaveLength(1);
    const d2 = await api.post(`/services/${id}/deploys`, {});
    expect((await api.post(`/services/${id}/deploys/${d2.body.id}/cancel`)).body.status).toBe("canceled");
    expect((await api.post(`/services/${id}/rollback`, { deployId: web.body.deployId })).status).toBe(201);
    expect((await api.post(`/services/${id}/scale`, { numInstances: 3 })).status).toBe(202);
    expect((await api.get(`/services/${id}`)).body.serviceDetails.numInstances).toBe(3);
    expect((await api.get(`/services/${id}/instances`)).body).toHaveLength(3);
    const auto = await api.put(`/services/${id}/autoscaling`, {
      enabled: true,
      min: 2,
      max: 5,
      criteria: { cpu: { enabled: true, percentage: 70 }, memory: { enabled: false, percentage: 80 } },
    });
    expect(auto.status).toBe(200);
    expect((await api.get(`/services/${id}`)).body.serviceDetails.autoscaling.max).toBe(5);
    expect((await api.del(`/services/${id}/autoscaling`)).status).toBe(204);
    expect((await api.get(`/services/${id}`)).body.serviceDetails.autoscaling).toBeUndefined();
    expect((await api.post(`/services/${id}/suspend`)).status).toBe(202);
    expect((await api.get(`/services?suspended=suspended`)).body.map((s: any) => s.service.id)).toContain(id);
    expect((await api.post(`/services/${id}/resume`)).status).toBe(202);
    expect((await api.post(`/services/${id}/restart`)).status).toBe(200);
    const events = await api.get(`/services/${id}/events`);
    expect(events.body.map((e: any) => e.event.type)).toEqual(expect.arrayContaining(["service_suspended", "service_resumed", "instance_count_changed"]));
    expect((await api.get(`/events/${events.body[0].event.id}`)).status).toBe(200);
    expect((await api.del(`/services/${git.body.service.id}`)).status).toBe(204);
    expect((await api.get(`/services/${git.body.service.id}`)).status).toBe(404);
  });

  it("serves env vars, secret files, custom domains, static-site rules and disks", async () => {
    const { api } = h;
    const web = (await api.post("/services", imageWebService("ops-config", { disk: { name: "data", mountPath: "/data", sizeGB: 5 } }))).body.service;
    const id = web.id;
    expect(
      (
        await api.put(`/services/${id}/env-vars`, [
          { key: "A", value: "1" },
          { key: "B", generateValue: true },
        ])
      ).body[1].envVar.value,
    ).toHaveLength(44);
    expect((await api.get(`/services/${id}/env-vars`)).body.map((v: any) => v.envVar.key)).toEqual(["B", "A"]);
    expect((await api.put(`/services/${id}/env-vars/C`, { value: "3" })).body).toEqual({ key: "C", value: "3" });
    expect((await api.get(`/services/${id}/env-vars/C`)).body.value).toBe("3");
    expect((await api.del(`/services/${id}/env-vars/C`)).status).toBe(204);
    expect((await api.get(`/services/${id}/env-vars/C`)).status).toBe(404);
    expect((await api.put(`/services/${id}/secret-files`, [{ name: "a.pem", content: "x" }])).status).toBe(200);
    expect((await api.put(`/services/${id}/secret-files/b.pem`, { content: "y" })).status).toBe(201);
    expect((await api.get(`/services/${id}/secret-files`)).body).toHaveLength(2);
    expect((await api.get(`/services/${id}/secret-files/b.pem`)).body).toEqual({ content: "y", name: "b.pem" });
    expect((await api.del(`/services/${id}/secret-files/b.pem`)).status).toBe(204);

    const created = await api.post(`/services/${id}/custom-domains`, { name: "stackguard-ops.com" });
    expect(created.status).toBe(201);
    expect(created.body.map((d: any) => [d.name, d.domainType, d.redirectForName])).toEqual([
      ["stackguard-ops.com", "apex", ""],
      ["www.stackguard-ops.com", "subdomain", "stackguard-ops.com"],
    ]);
    expect((await api.get(`/services/${id}/custom-domains?limit=100`)).body).toHaveLength(2);
    expect((await api.post(`/services/${id}/custom-domains/stackguard-ops.com/verify`)).status).toBe(202);
    expect((await api.get(`/services/${id}/custom-domains/${created.body[0].id}`)).body.verificationStatus).toBe("verified");
    expect((await api.del(`/services/${id}/custom-domains/www.stackguard-ops.com`)).status).toBe(204);

    const disk = (await api.get(`/services/${id}`)).body.serviceDetails.disk;
    expect((await api.patch(`/disks/${disk.id}`, { sizeGB: 10 })).body.sizeGB).toBe(10);
    expect((await api.get(`/disks/${disk.id}`)).status).toBe(200);
    expect((await api.patch(`/disks/${disk.id}`, { sizeGB: 1 })).status).toBe(400);
    expect((await api.del(`/disks/${disk.id}`)).status).toBe(204);

    const site = (
      await api.post("/services", {
        type: "static_site",
        name: "ops-rules",
        ownerId: STAGING,
        repo: "https://github.com/a/site",
        serviceDetails: { publishPath: "dist" },
      })
    ).body.service.id;
    expect((await api.put(`/services/${site}/headers`, [{ path: "/*", name: "X-Frame-Options", value: "DENY" }])).body[0].id).toMatch(/^hdr-/);
    const route = await api.post(`/services/${site}/routes`, { type: "redirect", source: "/old", destination: "/new" });
    expect(route.body.id).toMatch(/^rdr-/);
    expect((await api.get(`/services/${site}/routes?limit=100`)).body).toHaveLength(1);
    expect((await api.get(`/services/${site}/headers?limit=100`)).body).toHaveLength(1);
    expect((await api.del(`/services/${site}/routes/${route.body.id}`)).status).toBe(204);
    const headers = (await api.get(`/services/${site}/headers`)).body;
    expect((await api.del(`/services/${site}/headers/${headers[0].header.id}`)).status).toBe(204);
    expect((await api.post(`/services/${site}/headers`, { path: "/*", name: "Cache-Control", value: "no-store" })).status).toBe(201);
    expect((await api.put(`/services/${site}/routes`, [{ type: "rewrite", source: "/*", destination: "/index.html" }])).body[0].priority).toBe(0);
  });

  it("serves env groups with links, Postgres with exports and recovery, projects and environments", async () => {
    const { api } = h;
    const svc = (await api.post("/services", imageWebService("ops-linked"))).body.service.id;
    const g = await api.post("/env-groups", {
      name: "ops-group",
      ownerId: STAGING,
      envVars: [{ key: "X", value: "1" }],
      secretFiles: [{ name: "f", content: "c" }],
    });
    expect(g.status).toBe(201);
    expect(g.body.createdAt).toMatch(/\.\d{7,9}Z$|:\d\dZ$/);
    expect((await api.post(`/env-groups/${g.body.id}/services/${svc}`)).body.serviceLinks).toEqual([{ id: svc, name: "ops-linked", type: "web" }]);
    expect((await api.get(`/env-groups?ownerId=${STAGING}`)).body.map((x: any) => x.id)).toContain(g.body.id);
    expect((await api.put(`/env-groups/${g.body.id}/env-vars/Y`, { value: "2" })).body.envVars[0]).toEqual({ key: "Y", value: "2" });
    expect((await api.get(`/env-groups/${g.body.id}/env-vars/Y`)).body).toEqual({ key: "Y", value: "2" });
    expect((await api.put(`/env-groups/${g.body.id}/secret-files/g`, { content: "d" })).body.secretFiles[0]).toEqual({ content: "d", name: "g" });
    expect((await api.get(`/env-groups/${g.body.id}/secret-files/g`)).body).toEqual({ content: "d", name: "g" });
    expect((await api.del(`/env-groups/${g.body.id}/secret-files/g`)).status).toBe(204);
    expect((await api.del(`/env-groups/${g.body.id}/env-vars/Y`)).status).toBe(204);
    expect((await api.patch(`/env-groups/${g.body.id}`, { name: "ops-group-2" })).body.name).toBe("ops-group-2");
    expect((await api.del(`/env-groups/${g.body.id}/services/${svc}`)).status).toBe(204);
    expect((await api.del(`/env-groups/${g.body.id}`)).status).toBe(204);

    const pg = await api.post("/postgres", { name: "ops-db", ownerId: STAGING, plan: "basic_256mb", version: "16" });
    expect(pg.status).toBe(201);
    expect(pg.body.status).toBe("unknown");
    const pid = pg.body.id;
    await eventually(async () => (await api.get(`/postgres/${pid}`)).body.status === "available");
    expect((await api.get(`/postgres?ownerId=${STAGING}`)).body[0].postgres.id).toBe(pid);
    expect((await api.patch(`/postgres/${pid}`, { name: "ops-db-2" })).body.status).toBe("available");
    expect((await api.get(`/postgres/${pid}/connection-info`)).body.internalConnectionString).toContain(pid);
    expect((await api.post(`/postgres/${pid}/export`)).status).toBe(202);
    expect((await api.get(`/postgres/${pid}/export`)).body).toHaveLength(1);
    expect((await api.get(`/postgres/${pid}/recovery`)).body.recoveryStatus).toBe("AVAILABLE");
    await new Promise((r) => setTimeout(r, 1100));
    const rec = await api.post(`/postgres/${pid}/recovery`, { restoreTime: new Date(Date.now() - 500).toISOString(), restoreName: "ops-db-restored" });
    expect(rec.status).toBe(200);
    expect(rec.body).toMatchObject({ name: "ops-db-restored", status: "recovery_in_progress" });
    expect(rec.body.id).not.toBe(pid);
    expect((await api.post(`/postgres/${pid}/recovery`, { restoreTime: "2001-01-01T00:00:00Z" })).status).toBe(400);
    for (const op of ["suspend", "resume", "restart"]) expect((await api.post(`/postgres/${pid}/${op}`)).status).toBe(202);
    expect((await api.del(`/postgres/${pid}`)).status).toBe(204);

    const prj = await api.post("/projects", { name: "ops-project", ownerId: STAGING, environments: [{ name: "staging", protectedStatus: "unprotected" }] });
    expect((await api.get(`/projects?ownerId=${STAGING}`)).body[0].project.id).toBe(prj.body.id);
    const env = await api.post("/environments", { name: "preview", projectId: prj.body.id });
    expect((await api.get(`/environments?projectId=${prj.body.id}`)).body).toHaveLength(2);
    expect((await api.post(`/environments/${env.body.id}/resources`, { resourceIds: [svc] })).body.serviceIds).toEqual([svc]);
    expect((await api.get(`/services?environmentId=${env.body.id}`)).body.map((s: any) => s.service.id)).toEqual([svc]);
    expect((await api.del(`/environments/${env.body.id}/resources?resourceIds=${svc}`)).status).toBe(204);
    expect((await api.patch(`/environments/${env.body.id}`, { protectedStatus: "protected" })).body.protectedStatus).toBe("protected");
    expect((await api.del(`/environments/${env.body.id}`)).status).toBe(204);
    expect((await api.patch(`/projects/${prj.body.id}`, { name: "ops-project-2" })).body.name).toBe("ops-project-2");
    expect((await api.del(`/projects/${prj.body.id}`)).status).toBe(204);
  });

  it("serves owners, the seed, notification settings, log streams and metrics", async () => {
    const { api } = h;
    expect((await api.get("/owners")).body.map((o: any) => o.owner.id)).toEqual([SEED.productionOwner, SEED.stagingOwner]);
    expect((await api.get(`/owners/${SEED.productionOwner}`)).body.type).toBe("team");
    expect((await api.get("/users")).status).toBe(200);
    // Users and workspace roles (sim/domain/users.ts): the operator's default key is an Admin, so it manages members.
    expect((await api.get(`/owners/${SEED.productionOwner}/members`)).body.map((m: any) => m.role)).toContain("DEVELOPER");
    expect((await api.patch(`/owners/${STAGING}/members/usr-stackguardguardian00`, { role: "WORKSPACE_BILLING" })).body.role).toBe("WORKSPACE_BILLING");
    expect((await api.del(`/owners/${STAGING}/members/usr-stackguardguardian00`)).status).toBe(204);
    expect((await api.get(`/environments/${SEED.environment}`)).body).toMatchObject({
      protectedStatus: "protected",
      serviceIds: [SEED.engine, SEED.worker],
      databasesIds: [SEED.postgres],
      envGroupIds: [SEED.envGroup],
    });
    const engine = (await api.get(`/services/${SEED.engine}`)).body;
    expect(engine).toMatchObject({ name: "alphastack-engine", imagePath: SEED.engineImage, serviceDetails: { healthCheckPath: "/healthz", numInstances: 3 } });
    expect((await api.get(`/services/${SEED.engine}/custom-domains`)).body[0].customDomain.name).toBe("engine.alphastack.example");
    expect((await api.get(`/postgres/${SEED.postgres}`)).body.status).toBe("available");
    expect((await api.get(`/env-groups/${SEED.envGroup}`)).body.serviceLinks).toHaveLength(2);
    expect((await api.get(`/projects/${SEED.project}`)).body.environmentIds).toEqual([SEED.environment]);

    expect((await api.get(`/notification-settings/owners/${STAGING}`)).body.notificationsToSend).toBe("failure");
    expect((await api.patch(`/notification-settings/owners/${STAGING}`, { notificationsToSend: "all" })).body.notificationsToSend).toBe("all");
    const o = await api.patch(`/notification-settings/overrides/services/${SEED.engine}`, { notificationsToSend: "none" });
    expect(o.body).toEqual({ notificationsToSend: "none", previewNotificationsEnabled: "default", serviceId: SEED.engine });
    expect((await api.get(`/services/${SEED.engine}`)).body.notifyOnFail).toBe("ignore");
    expect((await api.get(`/notification-settings/overrides/services/${SEED.engine}`)).status).toBe(200);
    expect((await api.get(`/notification-settings/overrides?serviceId=${SEED.engine}`)).body).toHaveLength(1);

    expect((await api.get(`/logs/streams/resource/${SEED.engine}`)).status).toBe(404);
    expect((await api.put(`/logs/streams/resource/${SEED.engine}`, { setting: "drop" })).body).toEqual({
      endpoint: "",
      resourceId: SEED.engine,
      setting: "drop",
    });
    expect((await api.get(`/logs/streams/resource/${SEED.engine}`)).status).toBe(200);
    expect((await api.del(`/logs/streams/resource/${SEED.engine}`)).status).toBe(204);

    for (const m of ["cpu", "memory", "instance-count", "http-requests", "http-latency", "bandwidth"]) {
      const r = await api.get(`/metrics/${m}?resource=${SEED.engine}&resolutionSeconds=60`);
      expect(r.status).toBe(200);
      expect(r.body[0].labels[0]).toEqual({ field: "service", value: SEED.engine });
    }
    expect((await api.get(`/metrics/cpu`)).status).toBe(400);
  });

  it("serves Key Value / Redis, webhooks, disks and workspace log and metrics streams", async () => {
    const { api } = h;
    const kv = await api.post("/key-value", { name: "ops-kv", ownerId: STAGING, plan: "starter", maxmemoryPolicy: "noeviction" });
    expect(kv.status).toBe(201);
    expect(kv.body).toMatchObject({
      id: expect.stringMatching(/^red-/),
      status: "unknown",
      ipAllowList: null,
      version: "8.1.4",
      options: { maxmemoryPolicy: "noeviction" },
    });
    const kid = kv.body.id;
    expect((await api.get(`/key-value/${kid}`)).body.status).toBe("creating");
    expect((await api.get(`/key-value?ownerId=${STAGING}`)).body[0].keyValue.id).toBe(kid);
    expect((await api.patch(`/key-value/${kid}`, { name: "ops-kv-2", ipAllowList: [] })).body).toMatchObject({ name: "ops-kv-2", ipAllowList: null });
    expect(Object.keys((await api.get(`/key-value/${kid}/connection-info`)).body)).toEqual([
      "cliCommand",
      "externalConnectionString",
      "internalConnectionString",
    ]);
    expect((await api.get(`/redis/${kid}/connection-info`)).body.redisCLICommand).toContain(kid);
    expect((await api.get(`/redis/${kid}`)).status).toBe(200);
    expect((await api.get(`/redis?ownerId=${STAGING}`)).body[0].redis.id).toBe(kid);
    expect((await api.patch(`/redis/${kid}`, { maxmemoryPolicy: "allkeys_lru" })).status).toBe(200);
    for (const op of ["suspend", "resume"]) expect((await api.post(`/key-value/${kid}/${op}`)).status).toBe(202);
    const redis = await api.post("/redis", { name: "ops-redis", ownerId: STAGING, plan: "starter" });
    expect(redis.status).toBe(201);
    expect((await api.del(`/redis/${redis.body.id}`)).status).toBe(204);
    expect((await api.del(`/key-value/${kid}`)).status).toBe(204);

    const wh = await api.post("/webhooks", { ownerId: STAGING, name: "ops-hook", url: "https://hooks.example.com/x", enabled: true, eventFilter: [] });
    expect(wh.status).toBe(201);
    expect(wh.body).toEqual({
      enabled: true,
      eventFilter: null,
      id: expect.stringMatching(/^whk-/),
      name: "ops-hook",
      secret: "",
      url: "https://hooks.example.com/x",
    });
    expect((await api.get(`/webhooks?ownerId=${STAGING}`)).body).toHaveLength(1);
    expect((await api.get(`/webhooks/${wh.body.id}`)).status).toBe(200);
    expect((await api.patch(`/webhooks/${wh.body.id}`, { enabled: false })).body.enabled).toBe(false);
    expect((await api.get(`/webhooks/${wh.body.id}/events`)).body).toEqual([]);
    expect((await api.del(`/webhooks/${wh.body.id}`)).status).toBe(204);

    const worker = (await api.post("/services", { ...imageWebService("ops-disk"), type: "background_worker", serviceDetails: { runtime: "image" } })).body
      .service.id;
    const disk = await api.post("/disks", { name: "ops-data", sizeGB: 2, mountPath: "/var/data", serviceId: worker });
    expect(disk.status).toBe(201);
    expect((await api.get(`/services/${worker}`)).body.serviceDetails.disk.id).toBe(disk.body.id);
    expect((await api.post("/disks", { name: "second", sizeGB: 2, mountPath: "/x", serviceId: worker })).status).toBe(409);
    expect((await api.get(`/disks?serviceId=${worker}`)).body[0].disk.id).toBe(disk.body.id);

    expect((await api.get(`/logs/streams/owner/${STAGING}`)).status).toBe(404);
    expect((await api.put(`/logs/streams/owner/${STAGING}`, { preview: "drop", endpoint: "logs.example.com:6514", token: "canary-token" })).body).toEqual({
      endpoint: "logs.example.com:6514",
      ownerId: STAGING,
      preview: "drop",
    });
    expect((await api.get(`/logs/streams/owner/${STAGING}`)).status).toBe(200);
    expect((await api.del(`/logs/streams/owner/${STAGING}`)).status).toBe(204);
    expect((await api.put(`/metrics-stream/${STAGING}`, { provider: "GRAFANA", url: "https://otlp.example.com", token: "t" })).body).toEqual({
      ownerId: STAGING,
      provider: "GRAFANA",
      url: "https://otlp.example.com",
    });
    expect((await api.get(`/metrics-stream/${STAGING}`)).status).toBe(200);
    expect((await api.del(`/metrics-stream/${STAGING}`)).status).toBe(204);
    expect((await api.get(`/metrics-stream/${STAGING}`)).status).toBe(404);
  });

  it("serves cron job runs, dedicated IPs and the log-stream override list", async () => {
    const { api } = h;
    const cron = await api.post("/services", {
      type: "cron_job",
      name: "ops-cron",
      ownerId: STAGING,
      image: { imagePath: "docker.io/library/alpine:3", ownerId: STAGING },
      serviceDetails: { runtime: "image", schedule: "0 3 * * *", plan: "starter", envSpecificDetails: { dockerCommand: "echo ok" } },
    });
    expect(cron.status).toBe(201);
    const run = await api.post(`/cron-jobs/${cron.body.service.id}/runs`);
    expect(run.body.status).toBe("pending");
    expect((await api.del(`/cron-jobs/${cron.body.service.id}/runs`)).status).toBe(204);
    const ip = await api.post("/dedicated-ips", { name: "ops-ip", ownerId: STAGING, region: "oregon", environmentIds: [] });
    expect(ip.status).toBe(201);
    expect((await api.get(`/dedicated-ips?ownerId=${STAGING}`)).body[0].dedicatedIp.id).toBe(ip.body.id);
    expect((await api.get(`/dedicated-ips/${ip.body.id}`)).status).toBe(200);
    expect((await api.patch(`/dedicated-ips/${ip.body.id}`, { description: "egress" })).body.description).toBe("egress");
    expect((await api.del(`/dedicated-ips/${ip.body.id}`)).status).toBe(204);
    await api.put(`/logs/streams/resource/${cron.body.service.id}`, { setting: "drop" });
    expect((await api.get(`/logs/streams/resource?ownerId=${STAGING}`)).body).toEqual([{ endpoint: "", resourceId: cron.body.service.id, setting: "drop" }]);
  });

  it("called every route, and every answer validated against the spec", () => {
    const routes = allRoutes().map((r) => `${r.method} ${r.template}`);
    expect(routes.filter((r) => !covered.has(r))).toEqual([]);
    expect(problems).toEqual([]);
  });
});

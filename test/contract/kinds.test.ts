import { client, eventually, STAGING, withSim } from "../unit/sim/helpers";
import { validateAgainstSpec } from "./specvalidation";

/**
 * Contract tests of the kinds the nine vendored cassettes do not cover, written from Render's OpenAPI file and its
 * recordings of the Terraform provider (cron jobs 2024-09, dedicated IPs 2026-05, log streams 2024-09, metrics
 * stream 2025-02): request shapes Render accepted, statuses, key sets, id prefixes, timestamp precision and the
 * recorded life cycles. Life-cycle steps are awaited (bounded polling), never timed.
 */
// Go's RFC3339Nano, as Render writes it: up to nine fraction digits, trailing zeros trimmed (none when all are zero).
const NS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const US = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;

describe("Render kinds beyond the vendored cassettes", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  let api: ReturnType<typeof client>;
  const specProblems: string[] = [];

  beforeAll(async () => {
    // Render's own rate limits, so bucket headers can be checked.
    h = await withSim({ timeScale: 0.01, rateLimit: "render" });
    const raw = client(h.sim);
    const wrap = (method: string) => async (path: string, body?: unknown) => {
      const r = await raw.call(method, path, body);
      specProblems.push(...validateAgainstSpec(method, path.split("?")[0], r.status, r.body));
      return r;
    };
    api = { ...raw, get: wrap("GET"), post: wrap("POST"), put: wrap("PUT"), patch: wrap("PATCH"), del: wrap("DELETE") };
  });
  afterAll(() => h.done());
  afterEach(() => expect(specProblems.splice(0)).toEqual([]));

  it("cron job: the Terraform provider's create body is accepted; deploys, runs, PATCH and DELETE follow Render", async () => {
    // The body Render accepted (recorded): empty registryCredential strings and image.ownerId "".
    const created = await api.post("/services", {
      envVars: [{ key: "key1", value: "val1" }],
      image: { imagePath: "nginx", ownerId: "" },
      name: "cron-job-tf",
      ownerId: STAGING,
      secretFiles: [{ content: "content1", name: "file1" }],
      serviceDetails: {
        envSpecificDetails: {
          dockerCommand: "",
          dockerContext: "",
          dockerfilePath: "",
          registryCredential: { id: "", name: "", registry: "", updatedAt: "0001-01-01T00:00:00Z", username: "" },
        },
        plan: "starter",
        region: "oregon",
        runtime: "image",
        schedule: "0 0 * * *",
      },
      type: "cron_job",
    });
    expect(created.status).toBe(201);
    const svc = created.body.service;
    expect(created.body.deployId).toMatch(/^dep-/);
    expect(svc.id).toMatch(/^crn-[0-9a-v]{20}$/);
    expect(svc.dashboardUrl).toBe(`https://dashboard.render.com/cron/${svc.id}`);
    expect(svc.slug).toMatch(/^cron-job-tf-[a-z0-9]{4}$/);
    expect(svc.imagePath).toBe("docker.io/library/nginx:latest");
    // Recorded: no previews, instances, url or ssh address on a cron job.
    expect(Object.keys(svc.serviceDetails)).toEqual(["buildPlan", "env", "envSpecificDetails", "plan", "region", "runtime", "schedule"]);
    expect(svc.serviceDetails.envSpecificDetails).toEqual({ dockerCommand: "", dockerContext: "", dockerfilePath: "" });

    // Image-backed cron-job deploys are live at once (recorded: startedAt and finishedAt already set).
    const dep = await api.post(`/services/${svc.id}/deploys`, {});
    expect(dep.status).toBe(201);
    expect(dep.body.status).toBe("live");
    expect(dep.body.finishedAt).toMatch(US);

    const patched = await api.patch(`/services/${svc.id}`, { serviceDetails: { schedule: "30 2 * * *" } });
    expect(patched.body.serviceDetails.schedule).toBe("30 2 * * *");

    // A triggered run is pending, then successful; lastSuccessfulRunAt moves to its end.
    const run = await api.post(`/cron-jobs/${svc.id}/runs`);
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ id: expect.any(String), startedAt: expect.stringMatching(US), status: "pending", triggeredBy: "api" });
    const after = await eventually(async () => {
      const s = await api.get(`/services/${svc.id}`);
      return s.body.serviceDetails.lastSuccessfulRunAt ? s.body : undefined;
    });
    expect(after.serviceDetails.lastSuccessfulRunAt).toMatch(US);
    // A new run cancels an active one (spec: "Trigger a run for a cron job and cancel any active runs").
    await api.post(`/cron-jobs/${svc.id}/runs`);
    expect((await api.del(`/cron-jobs/${svc.id}/runs`)).status).toBe(204);
    expect((await api.post(`/cron-jobs/srv-${"0".repeat(20)}/runs`)).status).toBe(404);

    expect((await api.del(`/services/${svc.id}`)).status).toBe(204);
    const gone = await api.get(`/services/${svc.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ message: `not found: ${svc.id}` });
  });

  it("dedicated IP: CREATING on create (ns stamps), then PENDING, addresses, RUNNING; PATCH echoes; DELETE 204", async () => {
    const prj = await api.post("/projects", { name: "dip-project", ownerId: STAGING, environments: [{ name: "prod", protectedStatus: "unprotected" }] });
    const envId = prj.body.environmentIds[0];
    const created = await api.post("/dedicated-ips", { description: "initial", environmentIds: [], name: "tf-acc-dsip", ownerId: STAGING, region: "oregon" });
    expect(created.status).toBe(201);
    const ip = created.body;
    expect(Object.keys(ip)).toEqual(["createdAt", "description", "environmentIds", "id", "ips", "name", "ownerId", "region", "status", "updatedAt"]);
    expect(ip).toMatchObject({ id: expect.stringMatching(/^egs-[0-9a-v]{20}$/), ips: [], status: "CREATING", environmentIds: [] });
    expect(ip.createdAt).toMatch(NS);
    expect(ip.updatedAt).toBe(ip.createdAt);

    const seen = new Set<string>();
    const running = await eventually(
      async () => {
        const r = (await api.get(`/dedicated-ips/${ip.id}`)).body;
        seen.add(r.status);
        return r.status === "RUNNING" ? r : undefined;
      },
      20_000,
      5,
    );
    expect(seen.has("PENDING")).toBe(true);
    expect(running.ips).toHaveLength(3);
    expect(running.createdAt).toMatch(US);

    const renamed = await api.patch(`/dedicated-ips/${ip.id}`, { description: "updated", name: "tf-acc-dsip-renamed" });
    expect(renamed.body).toMatchObject({ description: "updated", name: "tf-acc-dsip-renamed", status: "RUNNING", ips: running.ips });
    expect((await api.patch(`/dedicated-ips/${ip.id}`, { environmentIds: [envId] })).body.environmentIds).toEqual([envId]);
    expect((await api.patch(`/dedicated-ips/${ip.id}`, { environmentIds: [] })).body.environmentIds).toEqual([]);

    // Bad input: 400 naming the field, 404 for an unknown environment; nothing changes.
    const bad = await api.post("/dedicated-ips", { name: "x", ownerId: STAGING, region: "mars" });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('"region"');
    expect((await api.post("/dedicated-ips", { ownerId: STAGING, region: "oregon" })).body.message).toContain('"name"');
    expect((await api.patch(`/dedicated-ips/${ip.id}`, { environmentIds: [`evm-${"0".repeat(20)}`] })).status).toBe(404);
    expect((await api.get(`/dedicated-ips?ownerId=${STAGING}`)).body.map((r: any) => r.dedicatedIp.id)).toEqual([ip.id]);

    expect((await api.del(`/dedicated-ips/${ip.id}`)).status).toBe(204);
    expect((await api.get(`/dedicated-ips/${ip.id}`)).status).toBe(404);
  });

  it("log streams: owner setting (404 until set, token never echoed, bucket 30) and resource overrides", async () => {
    expect((await api.get(`/logs/streams/owner/${STAGING}`)).status).toBe(404);
    const put = await api.put(`/logs/streams/owner/${STAGING}`, { endpoint: "logs.example.com:6514", preview: "send", token: "canary-log-token-17" });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ endpoint: "logs.example.com:6514", ownerId: STAGING, preview: "send" });
    expect(put.headers.get("ratelimit-limit")).toBe("30");
    expect(put.text).not.toContain("canary-log-token-17");
    expect((await api.get(`/logs/streams/owner/${STAGING}`)).body).toEqual(put.body);
    expect((await api.del(`/logs/streams/owner/${STAGING}`)).status).toBe(204);
    expect((await api.get(`/logs/streams/owner/${STAGING}`)).status).toBe(404);
  });

  it("metrics stream: PUT / GET echo {ownerId, provider, url} without the token; DELETE 204, then 404", async () => {
    const put = await api.put(`/metrics-stream/${STAGING}`, { provider: "CUSTOM", token: "canary-otlp-token-17", url: "https://otel.example.com" });
    expect(put.body).toEqual({ ownerId: STAGING, provider: "CUSTOM", url: "https://otel.example.com" });
    expect(put.text).not.toContain("canary-otlp-token-17");
    expect((await api.get(`/metrics-stream/${STAGING}`)).body).toEqual(put.body);
    expect((await api.del(`/metrics-stream/${STAGING}`)).status).toBe(204);
    expect((await api.get(`/metrics-stream/${STAGING}`)).status).toBe(404);
  });

  it("Postgres: diskSizeGB is always shown, also for a database created without one", async () => {
    const pg = await api.post("/postgres", { name: "no-disk-db", ownerId: STAGING, plan: "basic_256mb", version: "16", ipAllowList: [] });
    expect(pg.status).toBe(201);
    expect(pg.body.diskSizeGB).toBe(1);
    expect((await api.get(`/postgres/${pg.body.id}`)).body.diskSizeGB).toBe(1);
    const grown = await api.patch(`/postgres/${pg.body.id}`, { diskSizeGB: 5 });
    expect(grown.body.diskSizeGB).toBe(5);
  });

  it("owner notification settings: booleans, PATCH {} answers the current settings, PATCH counts in two buckets", async () => {
    const cur = await api.get(`/notification-settings/owners/${STAGING}`);
    expect(Object.keys(cur.body)).toEqual(["emailEnabled", "notificationsToSend", "ownerId", "previewNotificationsEnabled", "slackEnabled"]);
    const same = await api.patch(`/notification-settings/owners/${STAGING}`, {});
    expect(same.body).toEqual(cur.body);
    expect(same.headers.get("ratelimit-limit")).toBe("500, 500");
    expect((await api.patch(`/notification-settings/owners/${STAGING}`, { notificationsToSend: "all" })).body.notificationsToSend).toBe("all");
  });
});

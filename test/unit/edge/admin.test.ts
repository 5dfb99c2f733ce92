import { EdgeAdminClient, EdgeAdminError } from "../../../infra/edge-contract/client";
import { EdgeMetricsProvider, runAnalysis, parseMetric } from "../../../infra/health";
import { admin, edgeEnv, servedBy, slots, startEdge, TOKEN, until } from "./helpers";

type Slots = Awaited<ReturnType<typeof slots>>;
let s: Slots;
let edge: Awaited<ReturnType<typeof startEdge>>;

beforeEach(async () => {
  s = await slots("api");
  edge = await startEdge(edgeEnv(s, { EDGE_AUTO_ROLLBACK: "off" }));
});
afterEach(async () => {
  await edge.stop();
  await s.api.blue.close();
  await s.api.green.close();
});

describe("admin API: authentication", () => {
  it.each([
    ["no token", null],
    ["a wrong token", "canary-admin-token-0123456789abcdeX"],
    ["a prefix of the token", TOKEN.slice(0, 10)],
    ["an empty token", ""],
  ])("answers 401 to %s and changes nothing", async (_what, token) => {
    for (const [method, path, body] of [
      ["GET", "/__edge/state"],
      ["GET", "/__edge/metrics"],
      ["GET", "/__edge/events"],
      ["POST", "/__edge/switch", { app: "api", slot: "green", force: true }],
      ["POST", "/__edge/analysis", { app: "api", slot: "green", phase: "Failed", reason: "x" }],
      ["POST", "/__edge/internal/state", { version: 99, updatedAt: "z", by: "evil", active: { api: "green" } }],
    ] as const) {
      const r = await admin(edge.url, method, path, body, token);
      expect(r.status).toBe(401);
      expect(JSON.stringify(r.body)).not.toContain(TOKEN);
    }
    expect(edge.state).toMatchObject({ version: 0, active: { api: "blue" } });
    expect((await servedBy(edge.url)).slot).toBe("api-blue");
  });

  it("serves its own health check without a token", async () => {
    expect((await admin(edge.url, "GET", "/__edge/healthz", undefined, null)).status).toBe(200);
  });
});

describe("admin API: switch", () => {
  it("switches an app to a healthy slot; new requests go there; idempotent", async () => {
    const r = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green", reason: "promote 1.4.2", actor: "pulumi" });
    expect(edge.state.events.at(-1)).toMatchObject({ kind: "switch", reason: "promote 1.4.2", by: expect.stringMatching(/^pulumi@/) });
    expect(r).toMatchObject({ status: 200, body: { app: "api", from: "blue", to: "green", changed: true, version: 1, synced: true, drained: true } });
    expect((await servedBy(edge.url)).slot).toBe("api-green");
    const again = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" });
    expect(again.body).toMatchObject({ changed: false, version: 1 });
  });

  it("answers 404 for an unknown app or slot, and 400 for a malformed body, changing nothing", async () => {
    expect(await admin(edge.url, "POST", "/__edge/switch", { app: "nope", slot: "green" })).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining("unknown app 'nope'") },
    });
    expect(await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "purple" })).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining("unknown slot 'purple'") },
    });
    expect(await admin(edge.url, "POST", "/__edge/switch", { app: "api" })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^slot: slot is required/) },
    });
    expect(await admin(edge.url, "POST", "/__edge/switch", "{oops")).toMatchObject({ status: 400 });
    expect(await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green", force: "yes" })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining("force") },
    });
    expect(await admin(edge.url, "GET", "/__edge/nothing-here")).toMatchObject({ status: 404 });
    expect(await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green", actor: "a b" })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^actor: /) },
    });
    expect(edge.state.version).toBe(0);
  });

  it("refuses (409) a switch to an unhealthy slot unless forced", async () => {
    s.api.green.faults.healthy = false;
    const r = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" });
    expect(r.status).toBe(409);
    expect(r.body.error).toContain("slot green of api is not healthy: GET /healthz gave HTTP 503; traffic stays on blue");
    expect((await servedBy(edge.url)).slot).toBe("api-blue");
    const forced = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green", force: true });
    expect(forced.body).toMatchObject({ changed: true, forced: true });
    expect(edge.state.events.at(-1)).toMatchObject({ kind: "switch", to: "green", forced: true });
  });

  it("refuses (409) a switch to a slot that is down (connection refused)", async () => {
    await s.api.green.close();
    const r = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" });
    expect(r.status).toBe(409);
    expect(r.body.error).toContain("no answer (ECONNREFUSED)");
  });

  it("refuses (409) a switch to a slot whose last analysis failed, until a newer analysis passes", async () => {
    const client = new EdgeAdminClient({ url: edge.url, token: TOKEN, timeoutMs: 5_000 });
    await client.reportAnalysis({ app: "api", slot: "green", phase: "Failed", reason: "pre-switch: error rate 7.5% over 3 windows" });
    const err = await client.switch({ app: "api", slot: "green" }).catch((e: EdgeAdminError) => e);
    expect(err).toBeInstanceOf(EdgeAdminError);
    expect((err as EdgeAdminError).status).toBe(409);
    expect((err as EdgeAdminError).message).toContain("failed its last analysis (pre-switch: error rate 7.5% over 3 windows)");
    expect((err as EdgeAdminError).message).not.toContain(TOKEN);
    await client.reportAnalysis({ app: "api", slot: "green", phase: "Successful", reason: "pre-switch: 0.0% errors, p99 40 ms" });
    expect(await client.switch({ app: "api", slot: "green" })).toMatchObject({ changed: true, to: "green" });
    const st = await client.getState();
    expect(st.apps.api.slots.green.verdict).toMatchObject({ phase: "Successful" });
    expect(st.active).toEqual({ api: "green" });
  });
});

describe("admin API: metrics and events", () => {
  it("counts requests per app, route, slot and status class, with cumulative histograms in Prometheus text and JSON", async () => {
    for (let i = 0; i < 5; i++) await servedBy(edge.url, "/a");
    s.api.blue.faults.errorRate = 1;
    for (let i = 0; i < 2; i++) await servedBy(edge.url, "/a");
    await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" });
    await servedBy(edge.url, "/a");
    const json = await admin(edge.url, "GET", "/__edge/metrics?format=json");
    const blue = json.body.series.find((x: any) => x.slot === "blue");
    expect(blue).toMatchObject({ app: "api", route: "*/", requests: 7, classes: { "2xx": 5, "5xx": 2 } });
    expect(blue.latency.cumulative.at(-1)).toBe(7);
    expect([...blue.latency.cumulative].sort((a: number, b: number) => a - b)).toEqual(blue.latency.cumulative);
    expect(json.body.events).toEqual([expect.objectContaining({ kind: "switch", from: "blue", to: "green" })]);
    const text = (await admin(edge.url, "GET", "/__edge/metrics")).body as string;
    expect(text).toContain('edge_requests_total{app="api",route="*/",slot="blue",class="5xx"} 2');
    expect(text).toContain('edge_request_duration_seconds_bucket{app="api",route="*/",slot="blue",le="+Inf"} 7');
    expect(text).toContain('edge_request_duration_seconds_count{app="api",route="*/",slot="green"} 1');
    expect(text).toContain('edge_active_slot{app="api",slot="green"} 1');
    expect(text).toContain('edge_switches_total{app="api",kind="switch"} 1');
    expect((await admin(edge.url, "GET", "/__edge/events")).body.events).toHaveLength(1);
  });

  it("feeds infra/health's edge-metrics provider: a failing slot fails a bake analysis", async () => {
    s.api.blue.faults.errorRate = 0.5;
    const stop = { done: false };
    const load = (async () => {
      while (!stop.done) await servedBy(edge.url, "/load");
    })();
    const provider = new EdgeMetricsProvider({ edgeUrl: edge.url, token: TOKEN, app: "api", slot: "blue", windowMs: 300 });
    const metric = parseMetric({ name: "bake", intervalMs: 300, count: 3, minSamples: 5, successCondition: { errorRate: { lt: 0.05 } } });
    const r = await runAnalysis({ metric, provider });
    stop.done = true;
    await load;
    expect(r.phase).toBe("Failed");
    expect(r.series[0].value!.samples).toBeGreaterThanOrEqual(5);
    expect(r.series[0].value!.errorRate).toBeGreaterThan(0.2);
  });
});

describe("state", () => {
  it("GET state shows the active slot, each slot's health and in-flight counts", async () => {
    s.api.green.faults.healthy = false;
    await until(async () => {
      const slotsNow = (await admin(edge.url, "GET", "/__edge/state")).body.apps.api.slots;
      return slotsNow.green.health === "Failed" && slotsNow.blue.health === "Successful";
    });
    const st = (await admin(edge.url, "GET", "/__edge/state")).body;
    expect(st).toMatchObject({ version: 0, active: { api: "blue" }, store: "memory", peers: "none" });
    expect(st.apps.api.slots.blue).toMatchObject({ health: "Successful", lastStatus: 200, inFlight: 0 });
    expect(st.apps.api.slots.green).toMatchObject({ health: "Failed", lastStatus: 503 });
  });
});

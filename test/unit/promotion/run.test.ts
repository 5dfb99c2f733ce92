/**
 * The promotion run's phases one at a time (infra/promotion/run.ts), against a real in-process edge (apps/edge) and
 * real slot servers; the one record builder (record.ts) and the one definition of bake windows (bake-windows.ts).
 * No phase here deploys, so Render is a real client pointed at a port nothing listens on: a phase that called it would
 * fail. Deploys through Render and the whole `pulumi up` are in test/integration/blue-green.test.ts.
 */
import { PromotionAnalysisSchema } from "../../../infra/config/schema";
import { postSwitchProbeMetric, postSwitchTrafficMetric } from "../../../infra/promotion/analysis";
import { bakeTrafficWindows, bakeWindowCount, beforeSwitchWindowCount } from "../../../infra/promotion/bake-windows";
import { edgeClient } from "../../../infra/promotion/edge";
import type { LiveReading } from "../../../infra/promotion/live";
import { guardMetric } from "../../../infra/promotion/protected-guard";
import { PromotionError, RunRecord } from "../../../infra/promotion/record";
import { PromotionRun } from "../../../infra/promotion/run";
import type { PromotionTarget } from "../../../infra/promotion/target";
import { canonicalImage } from "../../../infra/providers/image-ref";
import { RenderClient } from "../../../infra/render/client";
import { freePort } from "../../support/free-port";
import { admin, edgeEnv, servedBy, slots, startEdge, TOKEN, until } from "../edge/helpers";

const ANALYSIS = PromotionAnalysisSchema.parse({
  preSwitch: { probes: 3, intervalMs: 20, timeoutMs: 500 },
  postSwitch: { bakeMs: 600, intervalMs: 200, minSamples: 5, maxErrorRate: 0.05 },
});
const IMAGE = "docker.io/alphaplatform/api";
const ref = (v: string) => canonicalImage(`${IMAGE}:${v}`)!;

describe("bake windows, defined once", () => {
  it("the bake's metrics count their windows from the one definition; the run keeps 3 to 20 windows from before the switch", () => {
    expect(bakeWindowCount(ANALYSIS)).toBe(3);
    expect(postSwitchTrafficMetric(ANALYSIS).count).toBe(bakeWindowCount(ANALYSIS));
    // The probes and the guards measure at the shorter of the two intervals (here the pre-switch's 20 ms).
    expect(postSwitchProbeMetric(ANALYSIS).count).toBe(bakeWindowCount(ANALYSIS, 20));
    expect(bakeWindowCount(ANALYSIS, 20)).toBe(30);
    const baseline = { service: { name: "AlphaStack engine", url: "http://127.0.0.1:1/healthz" }, probes: 3, ok: 3, maxLatencyMs: 5, latencyLimitMs: 505 };
    expect(guardMetric(baseline, ANALYSIS).count).toBe(30);
    const a = (bakeMs: number, intervalMs: number) => PromotionAnalysisSchema.parse({ postSwitch: { bakeMs, intervalMs } });
    expect(bakeWindowCount(a(1_000, 300))).toBe(4);
    expect(beforeSwitchWindowCount(a(1_000, 1_000))).toBe(3);
    expect(beforeSwitchWindowCount(a(60_000, 10_000))).toBe(6);
    expect(beforeSwitchWindowCount(a(600_000, 1_000))).toBe(20);
    expect(
      bakeTrafficWindows(
        [
          { startedAt: "t0", finishedAt: "t1", value: { samples: 0 } },
          { startedAt: "t1", finishedAt: "t2", error: "no answer" },
        ],
        "green",
      ),
    ).toEqual([{ at: "t1", slot: "green", samples: 0 }]);
  });
});

describe("the run's record, built in one place", () => {
  const clock = () => {
    let t = Date.parse("2026-12-01T10:00:00.000Z");
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };
  const w = (slot: "blue" | "green", at: string) => ({ at, slot, samples: 10, errorRate: 0 });

  it("a finished run: timings from its clock, the reasons of the analyses that passed, traffic only once a bake ran", () => {
    const c = clock();
    const r = new RunRecord("1.5.0", ANALYSIS, c.now);
    r.took("preSwitchMs", 60);
    r.passed("preSwitch", "pre-switch probe: 3 of 3");
    c.advance(100);
    expect(r.record("already-active", "blue", "blue")).toEqual({
      result: "already-active",
      version: "1.5.0",
      from: "blue",
      to: "blue",
      at: "2026-12-01T10:00:00.100Z",
      timings: { deployMs: 0, preSwitchMs: 60, switchMs: 0, bakeMs: 0, totalMs: 100 },
      preSwitch: "pre-switch probe: 3 of 3",
    });
    r.beforeSwitch([w("blue", "b1")]);
    r.baked([w("green", "g1"), w("green", "g2")]);
    r.passed("postSwitch", "post-switch traffic: 3 of 3");
    expect(r.record("promoted", "blue", "green")).toMatchObject({
      result: "promoted",
      postSwitch: "post-switch traffic: 3 of 3",
      traffic: { windowMs: 200, limits: { maxErrorRate: 0.05, maxP99LatencyMs: 1_000 }, windows: [w("blue", "b1"), w("green", "g1"), w("green", "g2")] },
    });
  });

  it("a stopped run: failed until traffic moved back, then rolled-back with both switch times; traffic always", () => {
    const c = clock();
    const r = new RunRecord("1.5.0", ANALYSIS, c.now);
    const live = { activeSlot: "blue" as const, versions: { blue: "1.4.2" } };
    const before = r.attempt("deploy", "blue", "green", live);
    expect(before).toEqual({
      version: "1.5.0",
      from: "blue",
      to: "green",
      phase: "deploy",
      result: "failed",
      at: "2026-12-01T10:00:00.000Z",
      timings: { deployMs: 0, preSwitchMs: 0, switchMs: 0, bakeMs: 0, totalMs: 0 },
      traffic: { windowMs: 200, limits: { maxErrorRate: 0.05, maxP99LatencyMs: 1_000 }, windows: [] },
      live,
    });
    c.advance(1_000);
    r.switched();
    c.advance(600);
    r.switchedBack();
    expect(r.rolledBack).toBe(true);
    expect(r.attempt("post-switch", "blue", "green", live)).toMatchObject({
      result: "rolled-back",
      switchedAt: "2026-12-01T10:00:01.000Z",
      switchedBackAt: "2026-12-01T10:00:01.600Z",
      timings: { totalMs: 1_600 },
    });
  });
});

describe("PromotionRun phases (real edge, real slot servers)", () => {
  jest.setTimeout(30_000);
  let s: Awaited<ReturnType<typeof slots>>;
  let edge: Awaited<ReturnType<typeof startEdge>>;
  let render: RenderClient;
  let running = false;
  let load: Promise<unknown> = Promise.resolve();

  const target = (): PromotionTarget => ({
    app: "api",
    image: IMAGE,
    version: "1.5.0",
    healthCheckPath: "/healthz",
    slots: { blue: { serviceId: "srv-blue", url: s.api.blue.url }, green: { serviceId: "srv-green", url: s.api.green.url } },
    edgeUrl: edge.url,
    adminToken: TOKEN,
    analysis: ANALYSIS,
  });
  /** A run from the edge's state now, with what each slot runs (as Render would say). */
  const runWith = async (versions: { blue: string; green: string }): Promise<PromotionRun> => {
    const state = await edgeClient(target()).getState();
    const live: LiveReading = { activeSlot: state.apps.api!.active, versions, refs: { blue: ref(versions.blue), green: ref(versions.green) }, edge: state };
    return new PromotionRun(target(), { render }, live);
  };
  const state = async () => (await admin(edge.url, "GET", "/__edge/state")).body.apps.api;
  /** Steady traffic through the edge: three clients, so every 200 ms window has its 5 requests on a loaded machine. */
  const startLoad = () => {
    running = true;
    const loop = async () => {
      while (running) await servedBy(edge.url, "/orders").catch(() => undefined);
    };
    load = Promise.all([loop(), loop(), loop()]);
  };

  beforeEach(async () => {
    s = await slots("api");
    // The bake's own judgement is under test: the edge's passive rollback would pre-empt it.
    edge = await startEdge(edgeEnv(s, { EDGE_PASSIVE_ROLLBACK: "off" }));
    render = RenderClient.fromEnv({ maxAttempts: 1 }, { RENDER_API_URL: `http://127.0.0.1:${await freePort()}/v1`, RENDER_API_KEY: "rnd_canary_not_a_key" });
    await until(async () => (await state()).slots.blue.health === "Successful" && (await state()).slots.green.health === "Successful");
  });
  afterEach(async () => {
    running = false;
    await load;
    await edge.stop();
    await s.api.blue.close();
    await s.api.green.close();
  });

  it("first deploy of the app: a baseline verdict on the active slot, then nothing to do", async () => {
    const first = await (await runWith({ blue: "1.5.0", green: "1.5.0" })).converge();
    expect(first.live).toEqual({ activeSlot: "blue", versions: { blue: "1.5.0", green: "1.5.0" } });
    expect(first.record).toMatchObject({ result: "already-active", from: "blue", to: "blue", preSwitch: expect.stringMatching(/^pre-switch probe: 3 of 3/) });
    expect(first.record.traffic).toBeUndefined();
    expect((await state()).slots.blue.verdict).toMatchObject({ phase: "Successful", reason: expect.stringMatching(/^baseline:/) });
    const again = await (await runWith({ blue: "1.5.0", green: "1.5.0" })).converge();
    expect(again.record).toMatchObject({ result: "already-active", timings: { preSwitchMs: 0 } });
    expect(again.record.preSwitch).toBeUndefined();
  });

  it("before the switch: the idle slot marked pending, a failed pre-switch analysis stops the run with its attempt; traffic never moved", async () => {
    s.api.green.faults.healthy = false;
    startLoad();
    const run = await runWith({ blue: "1.4.2", green: "1.5.0" });
    const e = await run.beforeSwitch().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PromotionError);
    const err = e as PromotionError;
    expect(err.message).toMatch(
      /^pre-switch analysis of api 1\.5\.0 on api-green Failed: .*status 503.*the version received no traffic, traffic stays on api-blue \(1\.4\.2\)$/s,
    );
    expect(err.attempt).toMatchObject({
      version: "1.5.0",
      from: "blue",
      to: "green",
      phase: "pre-switch",
      result: "failed",
      live: { activeSlot: "blue", versions: { blue: "1.4.2", green: "1.5.0" } },
    });
    expect(err.attempt!.switchedAt).toBeUndefined();
    // The old slot's traffic while the run worked (the report's "before"; none when it stopped within a tenth of a window).
    expect(err.attempt!.traffic).toMatchObject({ windowMs: 200, limits: { maxErrorRate: 0.05 } });
    expect(err.attempt!.traffic!.windows.every((x) => x.slot === "blue")).toBe(true);
    const now = await state();
    expect(now.active).toBe("blue");
    expect(now.slots.green.verdict).toMatchObject({ phase: "Failed", reason: expect.stringMatching(/^pre-switch: Failed: /) });
  });

  it("the whole promotion without a deploy: pending, pre-switch, switch, bake; the record has both slots' traffic", async () => {
    startLoad();
    const r = await (await runWith({ blue: "1.4.2", green: "1.5.0" })).converge();
    expect(r.live).toEqual({ activeSlot: "green", versions: { blue: "1.4.2", green: "1.5.0" } });
    expect(r.record).toMatchObject({ result: "promoted", version: "1.5.0", from: "blue", to: "green", timings: { deployMs: 0 } });
    expect(r.record.preSwitch).toMatch(/^pre-switch probe: 3 of 3/);
    expect(r.record.postSwitch).toMatch(/^post-switch traffic: /);
    const windows = r.record.traffic!.windows;
    expect(windows.filter((x) => x.slot === "green")).toHaveLength(bakeWindowCount(ANALYSIS));
    expect(windows.filter((x) => x.slot === "blue").length).toBeGreaterThan(0);
    const now = await state();
    expect(now.active).toBe("green");
    expect(now.slots.green.verdict).toMatchObject({ phase: "Successful", reason: expect.stringMatching(/^post-switch: /) });
  });

  it("a run stopped after its switch is finished by the next one: it bakes the active slot again", async () => {
    startLoad();
    const interrupted = await runWith({ blue: "1.4.2", green: "1.5.0" });
    await interrupted.beforeSwitch();
    await interrupted.switchToIdle();
    // (killed here: traffic is on green, whose verdict is the pre-switch's)
    expect((await state()).slots.green.verdict.reason).toMatch(/^pre-switch: /);
    const next = await (await runWith({ blue: "1.4.2", green: "1.5.0" })).converge();
    expect(next.record).toMatchObject({ result: "promoted", from: "blue", to: "green" });
    expect(next.record.preSwitch).toBeUndefined();
    expect((await state()).slots.green.verdict).toMatchObject({ phase: "Successful", reason: expect.stringMatching(/^post-switch: /) });
  });

  it("a bake that fails: traffic back first, then the Failed verdict; the attempt says rolled-back with both switch times", async () => {
    // Errors on real requests only: the health path (probed before the switch) stays 200.
    s.api.green.faults.errorRate = 0.5;
    startLoad();
    const run = await runWith({ blue: "1.4.2", green: "1.5.0" });
    const baselines = await run.beforeSwitch();
    await run.switchToIdle();
    expect((await state()).active).toBe("green");
    const e = (await run.bake("green", baselines).then(
      () => undefined,
      (x: unknown) => x,
    )) as PromotionError;
    expect(e).toBeInstanceOf(PromotionError);
    expect(e.message).toMatch(
      /^post-switch analysis of api 1\.5\.0 on api-green Failed: post-switch traffic: .*error rate [0-9.]+%.*want: error rate < 5%.*; traffic is back on api-blue \(1\.4\.2\)$/s,
    );
    expect(e.attempt).toMatchObject({
      phase: "post-switch",
      result: "rolled-back",
      from: "blue",
      to: "green",
      switchedAt: expect.any(String),
      switchedBackAt: expect.any(String),
      live: { activeSlot: "blue", versions: { blue: "1.4.2", green: "1.5.0" } },
    });
    expect(e.attempt!.traffic!.windows.some((x) => x.slot === "green" && (x.errorRate ?? 0) > 0.05)).toBe(true);
    const now = await state();
    expect(now.active).toBe("blue");
    expect(now.slots.green.verdict).toMatchObject({ phase: "Failed", reason: expect.stringMatching(/^post-switch: Failed: /) });
  });
});

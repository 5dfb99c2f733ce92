import { defaultRules, evaluate, parseAlertRule, type AlertRuleInput } from "../../../infra/alerts";
import { MIN, replay, series, statusAt, T0, timeline } from "./series";

const base: AlertRuleInput = {
  name: "api-error-rate",
  signal: "api.error_rate",
  target: "api",
  comparator: ">",
  critical: { threshold: 0.02, recovery: 0.01 },
  warning: { threshold: 0.005, recovery: 0.003 },
  window: "2m",
  interval: "1m",
  for: "2m",
  keepFiringFor: "3m",
  noData: "nodata",
  minSamples: 1,
  severity: "page",
  runbookUrl: "https://runbooks.example/api-error-rate",
};
const rule = (over: Partial<AlertRuleInput> = {}) => parseAlertRule({ ...base, ...over });

describe("evaluate: for, keep-firing, hysteresis, levels", () => {
  // Healthy ~0.1% errors, an incident at 8% from minute 10 to 16, then healthy again.
  const incident = series({ minutes: 40, noise: 0.0005, shape: (m) => (m >= 10 && m < 16 ? 0.08 : 0.001) });

  it("goes pending, fires after `for`, keeps firing for keepFiringFor after recovery, then resolves", () => {
    const steps = replay(rule(), incident, 40);
    // Minute 10: one 8% sample in the 2m window lifts the mean over the 0.5% warning → pending; minute 11 it is
    // critical; `for` (2m) has passed at 12 → firing. Values clear from minute 18; keep firing 3m after the last
    // breach (17) → resolved at 20, inactive the evaluation after.
    expect(timeline(steps)).toEqual(["10:pending:warning", "12:firing:critical", "20:resolved:critical"]);
    expect(statusAt(steps, 19)).toBe("firing");
    expect(statusAt(steps, 21)).toBe("inactive");
  });

  it("fires on the first breach when for is 0s, and a blip shorter than `for` never fires", () => {
    expect(timeline(replay(rule({ for: "0s", keepFiringFor: "0s" }), incident, 40))).toEqual([
      "10:firing:warning",
      "11:level-changed:critical",
      "18:resolved:critical",
    ]);
    const blip = series({ minutes: 20, shape: (m) => (m >= 5 && m < 6 ? 0.08 : 0.001) });
    expect(timeline(replay(rule({ for: "3m", warning: undefined }), blip, 20))).toEqual(["6:pending:critical"]);
  });

  it("hysteresis: a value between recovery and threshold keeps it firing; below recovery resolves", () => {
    // 3% (fires), then 1.5% (under the 2% threshold but above the 1% recovery), then 0.5%.
    const s = series({ minutes: 40, shape: (m) => (m < 5 ? 0.001 : m < 10 ? 0.03 : m < 25 ? 0.015 : 0.001) });
    const steps = replay(rule({ keepFiringFor: "0s", warning: undefined }), s, 40);
    // The 2m mean passes 2% at minute 7 (pending), fires at 9, holds through the 1.5% plateau, and resolves at 26
    // when the mean falls under the 1% recovery.
    expect(timeline(steps)).toEqual(["7:pending:critical", "9:firing:critical", "26:resolved:critical"]);
    // Without a recovery value, the same series resolves as soon as it dips under 2%.
    const noHyst = replay(rule({ keepFiringFor: "0s", warning: undefined, critical: { threshold: 0.02 } }), s, 40);
    expect(timeline(noHyst)).toEqual(["7:pending:critical", "9:firing:critical", "12:resolved:critical"]);
  });

  it("levels: escalates from warning to critical and steps back down while firing", () => {
    const s = series({ minutes: 40, shape: (m) => (m < 5 ? 0.001 : m < 12 ? 0.008 : m < 20 ? 0.05 : m < 28 ? 0.008 : 0.0005) });
    const events = timeline(replay(rule({ keepFiringFor: "0s" }), s, 40));
    expect(events).toEqual(["6:pending:warning", "8:firing:warning", "13:level-changed:critical", "22:level-changed:warning", "30:resolved:warning"]);
  });

  it("multi-window: both the long and the short window must breach, and the short one resets it fast", () => {
    const r = rule({ window: "10m", confirmWindow: "2m", for: "0s", keepFiringFor: "0s", warning: undefined, critical: { threshold: 0.02 } });
    const s = series({ minutes: 40, shape: (m) => (m >= 10 && m < 15 ? 0.1 : 0.001) });
    const events = timeline(replay(r, s, 40));
    // Long (10m) mean crosses 2% at minute 12; the short window clears 2 minutes after the incident ends (17),
    // although the long window would stay above 2% until minute 24.
    expect(events).toEqual(["12:firing:critical", "17:resolved:critical"]);
  });
});

describe("evaluate: no data, errors, minimum samples", () => {
  // Data until minute 10, then a gap until 20, then data again.
  const gappy = series({ minutes: 30, shape: (m) => (m >= 10 && m < 20 ? undefined : 0.001) });

  it("noData=nodata: enters the nodata state once (after noDataAfter) and resolves when data is back", () => {
    const steps = replay(rule({ noDataAfter: "3m" }), gappy, 30);
    // Last sample 9:45; no sample for 3m at 12:45 → nodata at the minute-13 evaluation; data back at 20.
    expect(timeline(steps)).toEqual(["13:nodata", "20:resolved"]);
    expect(statusAt(steps, 15)).toBe("nodata");
  });

  it("noData=alerting: a gap is a critical breach (through `for`); noData=ok: a gap clears a firing alert", () => {
    expect(timeline(replay(rule({ noData: "alerting", noDataAfter: "2m" }), gappy, 30))).toEqual([
      "12:pending:critical",
      "14:firing:critical",
      "22:resolved:critical",
    ]);
    const firingThenGap = series({ minutes: 30, shape: (m) => (m < 5 ? 0.05 : m < 20 ? undefined : 0.001) });
    expect(timeline(replay(rule({ noData: "ok", for: "0s", keepFiringFor: "0s", noDataAfter: "2m" }), firingThenGap, 30))).toEqual([
      "1:firing:critical",
      "7:resolved:critical",
    ]);
  });

  it("noData=keep-last: a firing alert keeps firing through a gap and resolves on data", () => {
    const firingThenGap = series({ minutes: 30, shape: (m) => (m < 5 ? 0.05 : m < 20 ? undefined : 0.001) });
    const steps = replay(rule({ noData: "keep-last", for: "0s", keepFiringFor: "0s", noDataAfter: "2m" }), firingThenGap, 30);
    expect(timeline(steps)).toEqual(["1:firing:critical", "20:resolved:critical"]);
    expect(statusAt(steps, 15)).toBe("firing");
  });

  it("keepFiringFor also carries a firing alert through the start of a gap before nodata", () => {
    const firingThenGap = series({ minutes: 30, shape: (m) => (m < 5 ? 0.05 : undefined) });
    const steps = replay(rule({ for: "0s", keepFiringFor: "5m", noDataAfter: "2m" }), firingThenGap, 30);
    // Last breach at minute 6 (the window still holds the 4:45 sample); keep firing 5m → nodata at 11.
    expect(timeline(steps)).toEqual(["1:firing:critical", "11:nodata"]);
  });

  it("onError: keep-last holds, alerting breaches, ok clears", () => {
    const healthy = series({ minutes: 20, shape: () => 0.001 });
    const errorAt = (m: number) => m >= 5 && m < 12;
    expect(timeline(replay(rule({ onError: "keep-last" }), healthy, 20, { errorAt }))).toEqual([]);
    expect(timeline(replay(rule({ onError: "alerting" }), healthy, 20, { errorAt }))).toEqual([
      "5:pending:critical",
      "7:firing:critical",
      "14:resolved:critical",
    ]);
    const bad = series({ minutes: 20, shape: () => 0.05 });
    const ok = replay(rule({ onError: "ok", for: "0s", keepFiringFor: "0s" }), bad, 20, { errorAt });
    expect(timeline(ok)).toEqual(["1:firing:critical", "5:resolved:critical", "12:firing:critical"]);
  });

  it("minSamples: a low-traffic window is inconclusive (no fire), the same ratio at volume fires", () => {
    // 50% errors, but each 15 s sample stands for 1 request: 8 requests per 2 minutes < 100.
    const night = series({ minutes: 20, n: 1, shape: () => 0.5 });
    expect(timeline(replay(rule({ minSamples: 100 }), night, 20))).toEqual([]);
    const day = series({ minutes: 20, n: 50, shape: () => 0.5 });
    expect(timeline(replay(rule({ minSamples: 100 }), day, 20))).toEqual(["1:pending:critical", "3:firing:critical"]);
  });

  it("the mean is weighted by events: a 100% blip on 1 request does not outweigh 1000 good ones", () => {
    const r = rule({ for: "0s", warning: undefined });
    const samples = [
      { t: T0 + 10_000, v: 0, n: 1000 },
      { t: T0 + 20_000, v: 1, n: 1 },
    ];
    const out = evaluate(r, { samples }, undefined, T0 + MIN);
    expect(out.outcome).toMatchObject({ kind: "clear", samples: 1001 });
    expect((out.outcome as { value: number }).value).toBeCloseTo(1 / 1001, 6);
  });
});

describe("default rules on recorded series", () => {
  const rules = defaultRules("production");
  const byName = (n: string) => rules.find((r) => r.name === n)!;

  it("AlphaStack outage: the engine rule pages and carries no action", () => {
    const r = byName("alphastack-engine-status");
    // Probes every 5 s: up, then down from minute 5 to 9, then up.
    const probes = series({ minutes: 15, stepMs: 5000, shape: (m) => (m >= 5 && m < 9 ? 0 : 1) });
    const steps = replay(r, probes, 15);
    // Evaluated every 15 s: degraded (warning) 15 s after the outage starts, firing 30 s later, critical at 1 min;
    // back to warning once the 2m window is mostly healthy, resolved when it is all healthy.
    expect(timeline(steps)).toEqual([
      "5.25:pending:warning",
      "5.75:firing:warning",
      "6:level-changed:critical",
      "10.75:level-changed:warning",
      "11.75:resolved:warning",
    ]);
    expect(r.action).toEqual({ type: "none" });
    expect(r.severity).toBe("page");
  });

  it("10 minutes of noisy but healthy traffic raise no alert (not even pending) on any API or engine rule", () => {
    const healthy = (signal: string) => {
      if (signal === "api.error_rate") return series({ minutes: 10, n: 20, noise: 0.004, seed: 11, shape: () => 0.002 });
      if (signal.startsWith("api.latency")) return series({ minutes: 10, n: 20, noise: 60, seed: 12, shape: () => 120 });
      // One failed health probe (of ~30 per 5 minutes) and one failed engine probe: noise, not an outage.
      if (signal === "api.availability") return series({ minutes: 10, stepMs: 10_000, shape: (m) => (m >= 4 && m < 4.1 ? 0 : 1) });
      if (signal === "alphastack.engine_status") return series({ minutes: 10, stepMs: 5000, shape: (m) => (m >= 6 && m < 6.05 ? 0 : 1) });
      return undefined;
    };
    let checked = 0;
    for (const r of rules) {
      const s = healthy(r.signal);
      if (!s) continue;
      checked++;
      expect([r.name, timeline(replay(r, s, 10))]).toEqual([r.name, []]);
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it("detection: an injected fault fires within the rule's window + for (simulated time)", () => {
    const firstFiring = (name: string, s: ReturnType<typeof series>, minutes: number) => {
      const step = replay(byName(name), s, minutes).find((x) => x.events.some((e) => e.type === "firing"));
      return step ? (step.t - (T0 + 10 * MIN)) / 1000 : undefined;
    };
    const errors = series({ minutes: 30, n: 20, noise: 0.003, shape: (m) => (m >= 10 ? 0.1 : 0.002) });
    expect(firstFiring("api-error-rate", errors, 30)).toBeLessThanOrEqual(150); // for 2m + one 30 s interval
    expect(firstFiring("api-slo-burn-1h-5m", series({ minutes: 60, n: 20, noise: 0.003, shape: (m) => (m >= 10 ? 0.1 : 0.002) }), 60)).toBeLessThanOrEqual(120);
    expect(firstFiring("api-availability", series({ minutes: 30, stepMs: 10_000, shape: (m) => (m >= 10 ? 0 : 1) }), 30)).toBeLessThanOrEqual(120);
    expect(firstFiring("alphastack-engine-status", series({ minutes: 30, stepMs: 5000, shape: (m) => (m >= 10 ? 0 : 1) }), 30)).toBeLessThanOrEqual(60);
  });
});

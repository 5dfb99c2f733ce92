import { actionToTake, defaultRules, evaluate, parseAlertRule, type AlertRule } from "../../../infra/alerts";
import { replay, series } from "./series";

describe("actionToTake", () => {
  const rule = defaultRules("production").find((r) => r.name === "api-error-rate")!;

  it("returns the rollback once, when the alert starts firing at critical", () => {
    const s = series({ minutes: 20, n: 20, shape: (m) => (m >= 5 ? 0.1 : 0.001) });
    const steps = replay(rule, s, 20);
    let state;
    const actions = [];
    for (const st of steps) {
      const ev = evaluate(rule, { samples: s.filter((x) => x.t <= st.t) }, state, st.t);
      state = ev.state;
      const a = actionToTake(rule, ev);
      if (a) actions.push([st.minute, a]);
    }
    expect(actions).toEqual([[7, { type: "rollback", app: "api" }]]);
  });

  it("never acts at warning level, nor for anything about AlphaStack even if validation were bypassed", () => {
    const warnOnly = series({ minutes: 20, n: 20, shape: (m) => (m >= 5 ? 0.008 : 0.001) });
    const evs = replay(rule, warnOnly, 20);
    expect(evs.some((s) => s.events.some((e) => e.type === "firing"))).toBe(true);
    expect(evs.map((s) => actionToTake(rule, { state: s.state, events: s.events, outcome: { kind: "nodata" } })).filter(Boolean)).toEqual([]);

    const engine = parseAlertRule({ ...defaultRules("production").find((r) => r.name === "alphastack-engine-status")!, action: { type: "none" } });
    const forged = { ...engine, action: { type: "killSwitch", flag: "new-checkout" } } as AlertRule;
    const firing = {
      state: { status: "firing" as const, since: 0, level: "critical" as const },
      events: [{ type: "firing" as const, rule: forged.name, at: 0, level: "critical" as const, message: "" }],
      outcome: { kind: "nodata" as const },
    };
    expect(actionToTake(forged, firing)).toBeUndefined();
    const forgedTarget = { ...rule, action: { type: "rollback", app: "alphastack-engine" } } as AlertRule;
    expect(actionToTake(forgedTarget, firing)).toBeUndefined();
    expect(actionToTake(rule, firing)).toEqual({ type: "rollback", app: "api" });
  });
});

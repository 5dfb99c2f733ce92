import { applySwitch, applyVerdict, isNewer, MAX_EVENTS, parseState, withApps } from "../../../apps/edge/state";

describe("edge state document", () => {
  it("reads EDGE_ACTIVE as Pulumi writes it (version 0) and as the edge writes it", () => {
    expect(parseState({ api: "green" }, "EDGE_ACTIVE")).toMatchObject({ version: 0, active: { api: "green" }, events: [], verdicts: {} });
    const doc = applySwitch(parseState({ api: "blue" }, "x"), { app: "api", slot: "green", by: "admin@i1", reason: "r", kind: "switch" });
    expect(parseState(JSON.parse(JSON.stringify(doc)), "store")).toEqual(doc);
  });
  it("rejects anything else, naming the field", () => {
    expect(() => parseState({ api: "purple" }, "EDGE_ACTIVE")).toThrow(/^EDGE_ACTIVE: expected \{"<app>":"blue"\|"green"\}/);
    expect(() => parseState("blue", "EDGE_ACTIVE")).toThrow(/EDGE_ACTIVE/);
  });
  it("each change is a new version with an event; events are capped", () => {
    let d = parseState({ api: "blue" }, "x");
    for (let i = 0; i < MAX_EVENTS + 5; i++) d = applySwitch(d, { app: "api", slot: i % 2 ? "blue" : "green", by: "t", reason: `${i}`, kind: "switch" });
    expect(d.version).toBe(MAX_EVENTS + 5);
    expect(d.events).toHaveLength(MAX_EVENTS);
    expect(d.events.at(-1)).toMatchObject({ reason: `${MAX_EVENTS + 4}`, version: MAX_EVENTS + 5 });
    const v = applyVerdict(d, { app: "api", slot: "green", phase: "Failed", reason: "p99 2 s", by: "t" });
    expect(v.verdicts.api.green).toMatchObject({ phase: "Failed", reason: "p99 2 s" });
    expect(v.version).toBe(d.version + 1);
  });
  it("orders documents by version, then time, then writer", () => {
    const a = { ...parseState({ api: "blue" }, "x"), version: 2, updatedAt: "2026-01-01T00:00:00.000Z", by: "a" };
    expect(isNewer({ ...a, version: 3 }, a)).toBe(true);
    expect(isNewer(a, { ...a, updatedAt: "2026-01-01T00:00:00.001Z" })).toBe(false);
    expect(isNewer({ ...a, by: "b" }, a)).toBe(true);
    expect(isNewer(a, a)).toBe(false);
  });
  it("adds apps new in EDGE_APPS without touching the others", () => {
    const d = withApps(parseState({ api: "green" }, "x"), ["api", "web"], { web: "green" });
    expect(d.active).toEqual({ api: "green", web: "green" });
    expect(withApps(parseState({}, "x"), ["api"], {}).active).toEqual({ api: "blue" });
  });
});

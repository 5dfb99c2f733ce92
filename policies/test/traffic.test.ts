import { forceNeedsBreakGlass, slotHealthChecked, slotWithoutDisk, trafficSwitchAnalysed, BreakGlassSettings } from "../rules/traffic";
import { TYPES } from "../rules/types";
import { messages, res } from "./fixtures";

const valid = () => ({
  app: "api",
  slots: { blue: "srv-apiblue0000000000000", green: "srv-apigreen000000000000" },
  healthCheckPath: "/healthz",
  analysis: { preSwitch: { metrics: ["success-rate"] }, postSwitch: { metrics: ["success-rate"], bakeSeconds: 300 } },
});
const sw = (props: Record<string, unknown>) => res(TYPES.trafficSwitch, "api-switch", props);

describe("traffic-switch-analysed", () => {
  test("a switch with two slots, a health check and both analyses is compliant", () => {
    expect(trafficSwitchAnalysed(sw(valid()))).toEqual({ status: "compliant" });
  });
  test("a missing green slot is refused", () => {
    const p = valid();
    p.slots = { blue: p.slots.blue } as typeof p.slots;
    expect(messages(trafficSwitchAnalysed(sw(p)))[0]).toMatch(/^stackguard:TrafficSwitch "api-switch" must name both slots/);
  });
  test("the same service as both slots is refused", () => {
    const p = valid();
    p.slots.green = p.slots.blue;
    expect(messages(trafficSwitchAnalysed(sw(p)))[0]).toMatch(/must have two different slots/);
  });
  test("the same service as both slots in the provider's { serviceId, url } shape is refused", () => {
    const slot = { serviceId: "srv-apiblue0000000000000", url: "http://127.0.0.1:10001" };
    expect(messages(trafficSwitchAnalysed(sw({ ...valid(), slots: { blue: slot, green: { ...slot } } })))[0]).toMatch(
      /must have two different slots: slots\.blue and slots\.green are both srv-apiblue0000000000000/,
    );
  });
  test("two services in the provider's { serviceId, url } shape are compliant", () => {
    const slots = {
      blue: { serviceId: "srv-apiblue0000000000000", url: "http://127.0.0.1:10001" },
      green: { serviceId: "srv-apigreen000000000000", url: "http://127.0.0.1:10002" },
    };
    expect(trafficSwitchAnalysed(sw({ ...valid(), slots }))).toEqual({ status: "compliant" });
  });
  test("a missing health check path is refused", () => {
    const { healthCheckPath: _h, ...p } = valid();
    expect(messages(trafficSwitchAnalysed(sw(p)))[0]).toMatch(/must set healthCheckPath to a path such as \/healthz/);
  });
  test("a health check path without a leading slash is refused", () => {
    expect(messages(trafficSwitchAnalysed(sw({ ...valid(), healthCheckPath: "healthz" })))[0]).toMatch(/must set healthCheckPath/);
  });
  test("a missing pre-switch analysis is refused", () => {
    const p = valid();
    p.analysis = { postSwitch: p.analysis.postSwitch } as typeof p.analysis;
    expect(messages(trafficSwitchAnalysed(sw(p)))[0]).toMatch(/must define analysis\.preSwitch/);
  });
  test("an empty post-switch analysis is refused", () => {
    const p = valid();
    (p.analysis as Record<string, unknown>).postSwitch = {};
    expect(messages(trafficSwitchAnalysed(sw(p)))[0]).toMatch(/must define analysis\.postSwitch/);
  });
});

describe("blue-green slots", () => {
  const slot = (props: Record<string, unknown>) =>
    res(TYPES.service, "api-blue", { name: "api-blue", type: "web_service", healthCheckPath: "/healthz", ...props });
  test("a slot with a health check and no disk is compliant", () => {
    expect(slotHealthChecked(slot({}))).toEqual({ status: "compliant" });
    expect(slotWithoutDisk(slot({}))).toEqual({ status: "compliant" });
  });
  test("a slot without a health check path is refused", () => {
    expect(messages(slotHealthChecked(slot({ healthCheckPath: undefined })))[0]).toBe(
      'render:Service "api-blue" must set healthCheckPath (e.g. /healthz): it is the blue slot of api, and a slot without a health check can take traffic while broken.',
    );
  });
  test("a slot with a persistent disk is refused", () => {
    expect(messages(slotWithoutDisk(slot({ disk: { name: "data", mountPath: "/data", sizeGB: 10 } })))[0]).toMatch(
      /^render:Service "api-blue" must not have a persistent disk: it is the blue slot of api, and a disk turns off Render's zero-downtime deploys/,
    );
  });
  test("a service that is not a slot is not applicable", () => {
    expect(slotWithoutDisk(res(TYPES.service, "worker", { name: "worker", disk: {} })).status).toBe("not-applicable");
  });
});

describe("traffic-switch-force-break-glass", () => {
  const now = new Date("2026-11-27T00:00:00Z");
  const entry = { app: "api", reason: "incident 42: analysis provider down", requestedBy: "alice", reviewer: "bob", expires: "2026-11-27T06:00:00Z" };
  const s = (over: Partial<BreakGlassSettings> = {}): BreakGlassSettings => ({
    environment: "production",
    breakGlass: [entry],
    maxValidityHours: 24,
    now,
    ...over,
  });
  const forced = () => sw({ ...valid(), force: true });

  test("force with a current, reviewed entry is compliant", () => {
    expect(forceNeedsBreakGlass(forced(), s())).toEqual({ status: "compliant" });
  });
  test("force without any entry is refused", () => {
    expect(messages(forceNeedsBreakGlass(forced(), s({ breakGlass: [] })))[0]).toMatch(
      /^stackguard:TrafficSwitch "api-switch" must not set force in production without a reviewed break-glass entry/,
    );
  });
  test("an entry for another app does not count", () => {
    expect(messages(forceNeedsBreakGlass(forced(), s({ breakGlass: [{ ...entry, app: "web" }] })))).toHaveLength(1);
  });
  test("an expired entry is refused", () => {
    expect(messages(forceNeedsBreakGlass(forced(), s({ breakGlass: [{ ...entry, expires: "2026-11-26T23:00:00Z" }] })))[0]).toMatch(
      /expired at 2026-11-26T23:00:00Z/,
    );
  });
  test("an entry expiring beyond the window is refused", () => {
    expect(messages(forceNeedsBreakGlass(forced(), s({ breakGlass: [{ ...entry, expires: "2026-12-30T00:00:00Z" }] })))[0]).toMatch(
      /expires more than 24 h from now/,
    );
  });
  test("force in staging is not applicable", () => {
    expect(forceNeedsBreakGlass(forced(), s({ environment: "staging", breakGlass: [] })).status).toBe("not-applicable");
  });
  test("no force is compliant", () => {
    expect(forceNeedsBreakGlass(sw(valid()), s({ breakGlass: [] })).status).toBe("compliant");
  });
});

import type { DataPlane } from "../../../sim/dataplane";
import { cleanup, dataPlane, http, json, spec, tempState } from "./helpers";

/** Custom domains: one shared front routes by Host header, like Render's edge. */
describe("data plane: Host-header router", () => {
  let dir: string;
  let dp: DataPlane;
  beforeEach(() => {
    dir = tempState();
    dp = dataPlane(dir);
  });
  afterEach(async () => {
    await dp.stop();
    cleanup(dir);
  });

  it("routes each custom domain (any case, any port) and <slug>.onrender.com to the service that owns it", async () => {
    const a = spec({ customDomains: ["api.example.com"] });
    const b = spec({ customDomains: ["www.example.org", "example.org"] });
    await dp.apply(a);
    await dp.apply(b);
    const router = dp.routerUrl()!;
    expect(router).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(json(await http(`${router}/version`, { host: "api.example.com" })).serviceId).toBe(a.id);
    expect(json(await http(`${router}/version`, { host: "API.Example.com:443" })).serviceId).toBe(a.id);
    expect(json(await http(`${router}/version`, { host: "example.org" })).serviceId).toBe(b.id);
    expect(json(await http(`${router}/version`, { host: `${b.slug}.onrender.com` })).serviceId).toBe(b.id);
  });

  it("answers Render's 404 for a host no service owns", async () => {
    await dp.apply(spec({ customDomains: ["api.example.com"] }));
    const r = await http(`${dp.routerUrl()}/`, { host: "unknown.example.net" });
    expect(r.status).toBe(404);
    expect(r.headers["x-render-routing"]).toBe("no-server");
  });

  it("follows a domain moved to another service and forgets a removed service's domains", async () => {
    const a = spec({ customDomains: ["app.example.com"] });
    const b = spec();
    await dp.apply(a);
    await dp.apply(b);
    await dp.apply({ ...a, customDomains: [] });
    await dp.apply({ ...b, customDomains: ["app.example.com"] });
    expect(json(await http(`${dp.routerUrl()}/version`, { host: "app.example.com" })).serviceId).toBe(b.id);
    await dp.remove(b.id);
    expect((await http(`${dp.routerUrl()}/version`, { host: "app.example.com" })).status).toBe(404);
  });

  it("applies the owning service's faults and counts its traffic when reached through the router", async () => {
    const a = spec({ customDomains: ["api.example.com"] });
    await dp.apply(a);
    dp.setFaults(a.id, { errorRate: 1 });
    expect((await http(`${dp.routerUrl()}/x`, { host: "api.example.com" })).status).toBe(500);
    const now = Date.now();
    const points = dp.metrics(a.id, "http-requests", {
      startTime: new Date(now - 60_000),
      endTime: new Date(now + 1000),
      resolutionSeconds: 60,
      statusCodes: [500],
    });
    expect(points.reduce((s, p) => s + p.value, 0)).toBe(1);
  });
});

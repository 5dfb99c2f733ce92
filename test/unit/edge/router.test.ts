import { Router } from "../../../apps/edge/router";
import { RouteSchema, type RouteInput } from "../../../apps/edge/config";
import { admin, edgeEnv, servedBy, slots, startEdge } from "./helpers";

const r = (...routes: RouteInput[]) => new Router(routes.map((x) => RouteSchema.parse(x)));

describe("Router", () => {
  const router = r(
    { app: "web" },
    { hosts: ["api.example.com"], app: "api" },
    { hosts: ["*.example.com"], app: "tenant" },
    { pathPrefix: "/api", app: "api", stripPrefix: true },
    { hosts: ["api.example.com"], pathPrefix: "/admin", app: "admin" },
  );
  it("an exact host beats a wildcard beats any host; the longest prefix wins within a host", () => {
    expect(router.match("api.example.com", "/x")?.route.app).toBe("api");
    expect(router.match("API.example.com:443", "/x")?.route.app).toBe("api");
    expect(router.match("api.example.com", "/admin/users")?.route.app).toBe("admin");
    expect(router.match("t1.example.com", "/x")?.route.app).toBe("tenant");
    expect(router.match("example.com", "/x")?.route.app).toBe("web");
    expect(router.match("other.test", "/api/v1?q=1")).toMatchObject({ route: { app: "api" }, upstreamPath: "/v1?q=1" });
  });
  it("matches prefixes by path segment", () => {
    expect(router.match("other.test", "/apix")?.route.app).toBe("web");
    expect(router.match("other.test", "/api")).toMatchObject({ route: { app: "api" }, upstreamPath: "/" });
  });
  it("returns nothing when no route matches", () => {
    expect(r({ hosts: ["a.example.com"], app: "a" }).match("b.example.com", "/")).toBeUndefined();
  });
});

describe("edge routing over real HTTP", () => {
  it("routes each host and path to its app's active slot and answers 404 for no route", async () => {
    const s = await slots("api", "web");
    const edge = await startEdge(
      edgeEnv(s, {
        EDGE_ROUTES: JSON.stringify([
          { hosts: ["api.example.com"], app: "api" },
          { hosts: ["www.example.com"], app: "web" },
          { pathPrefix: "/api", app: "api", stripPrefix: true },
        ]),
        EDGE_ACTIVE: JSON.stringify({ web: "green" }),
      }),
    );
    try {
      expect(await servedBy(edge.url, "/x", "api.example.com")).toMatchObject({ status: 200, slot: "api-blue", body: { path: "/x", host: "api.example.com" } });
      expect(await servedBy(edge.url, "/x", "www.example.com")).toMatchObject({ status: 200, slot: "web-green" });
      expect(await servedBy(edge.url, "/api/orders?id=7", "elsewhere.test")).toMatchObject({ status: 200, slot: "api-blue", body: { path: "/orders?id=7" } });
      const miss = await servedBy(edge.url, "/x", "elsewhere.test");
      expect(miss.status).toBe(404);
      const m = await admin(edge.url, "GET", "/__edge/metrics");
      expect(m.body).toContain("edge_unrouted_requests_total 1");
    } finally {
      await edge.stop();
      for (const a of Object.values(s)) {
        await a.blue.close();
        await a.green.close();
      }
    }
  });

  it("answers 502 when the active slot is down, counted as an error", async () => {
    const s = await slots("api");
    const edge = await startEdge(edgeEnv(s, { EDGE_AUTO_ROLLBACK: "off" }));
    try {
      await s.api.blue.close();
      const r1 = await servedBy(edge.url, "/x");
      expect(r1.status).toBe(502);
      const m = await admin(edge.url, "GET", "/__edge/metrics?format=json");
      expect(m.body.series[0]).toMatchObject({ app: "api", slot: "blue", classes: { error: 1 } });
    } finally {
      await edge.stop();
      await s.api.green.close();
    }
  });
});

import { buildEdgeEnv } from "../../../apps/edge/env";
import { EdgeConfigError, loadConfig } from "../../../apps/edge/config";

const base = {
  EDGE_APPS: JSON.stringify({ api: { blue: "http://api-blue:10000", green: "http://api-green:10000", healthPath: "/healthz" } }),
  EDGE_ROUTES: JSON.stringify([{ hosts: ["api.example.com"], app: "api" }]),
  EDGE_ADMIN_TOKEN: "0123456789abcdef0123",
};

function err(env: Record<string, string | undefined>): EdgeConfigError {
  try {
    loadConfig(env as NodeJS.ProcessEnv);
  } catch (e) {
    return e as EdgeConfigError;
  }
  throw new Error("expected loadConfig to throw");
}

describe("edge config (bad input names the variable and the fix)", () => {
  it("accepts a valid environment with defaults", () => {
    const c = loadConfig(base);
    expect(c.routes[0]).toMatchObject({ pathPrefix: "/", stripPrefix: false });
    expect(c.store.kind).toBe("memory");
    expect(c.peers.kind).toBe("none");
    expect(c.port).toBe(10000);
  });
  it("rejects a missing or malformed EDGE_APPS", () => {
    expect(err({ ...base, EDGE_APPS: undefined }).message).toMatch(/^EDGE_APPS: is required; set it to JSON such as/);
    expect(err({ ...base, EDGE_APPS: "{not json" }).message).toMatch(/^EDGE_APPS: is not valid JSON/);
    expect(err({ ...base, EDGE_APPS: JSON.stringify({ api: { blue: "api-blue", green: "http://g" } }) }).message).toMatch(
      /^EDGE_APPS: api\.blue: must be an absolute URL/,
    );
  });
  it("rejects a route to an unknown app, a bad prefix and a duplicate route", () => {
    expect(err({ ...base, EDGE_ROUTES: JSON.stringify([{ app: "web" }]) }).message).toMatch(/^EDGE_ROUTES: 0\.app: unknown app 'web'/);
    expect(err({ ...base, EDGE_ROUTES: JSON.stringify([{ app: "api", pathPrefix: "api" }]) }).message).toMatch(
      /^EDGE_ROUTES: 0\.pathPrefix: must start with '\/'/,
    );
    expect(err({ ...base, EDGE_ROUTES: JSON.stringify([{ app: "api" }, { app: "api", pathPrefix: "/" }]) }).message).toMatch(/routed twice/);
  });
  it("rejects a short admin token without echoing it", () => {
    const e = err({ ...base, EDGE_ADMIN_TOKEN: "short-canary" });
    expect(e.variable).toBe("EDGE_ADMIN_TOKEN");
    expect(e.message).not.toContain("short-canary");
  });
  it("rejects an EDGE_ACTIVE that is not JSON", () => {
    expect(err({ ...base, EDGE_ACTIVE: "blue" }).message).toMatch(/^EDGE_ACTIVE: is not valid JSON/);
  });
  it("needs both Render variables for the Render store, and names the missing one", () => {
    expect(err({ ...base, EDGE_RENDER_API_KEY: "rnd_canary" }).message).toMatch(/^RENDER_SERVICE_ID: is required when EDGE_RENDER_API_KEY is set/);
    // Render sets RENDER_SERVICE_ID on every service: alone it selects nothing.
    expect(loadConfig({ ...base, RENDER_SERVICE_ID: "srv-d0edge0000000000000a" }).store.kind).toBe("memory");
    expect(err({ ...base, EDGE_RENDER_API_KEY: "rnd_canary", RENDER_SERVICE_ID: "edge" }).message).toMatch(
      /^RENDER_SERVICE_ID: must be the edge's own Render service id/,
    );
    const c = loadConfig({
      ...base,
      EDGE_RENDER_API_KEY: "rnd_canary",
      RENDER_SERVICE_ID: "srv-d0edge0000000000000a",
      RENDER_API_URL: "http://127.0.0.1:9/v1/",
    });
    expect(c.store).toMatchObject({ kind: "render", apiUrl: "http://127.0.0.1:9/v1", envVar: "EDGE_ACTIVE" });
  });
  it("rejects bad probe settings", () => {
    expect(err({ ...base, EDGE_PROBE_INTERVAL_MS: "fast" }).message).toMatch(/^EDGE_PROBE_INTERVAL_MS: must be an integer/);
    expect(err({ ...base, EDGE_PROBE_WINDOW: "2", EDGE_PROBE_FAILURE_LIMIT: "2" }).message).toMatch(
      /^EDGE_PROBE_FAILURE_LIMIT: must be below EDGE_PROBE_WINDOW/,
    );
    expect(err({ ...base, EDGE_AUTO_ROLLBACK: "yes" }).message).toMatch(/^EDGE_AUTO_ROLLBACK: must be 'on' or 'off'/);
    expect(err({ ...base, EDGE_PEERS: "edge-2:10000" }).message).toMatch(/^EDGE_PEERS: 0: must use http:\/\/ or https:\/\//);
  });
});

describe("buildEdgeEnv (for the BlueGreenApp component)", () => {
  const apps = { api: { blue: "http://api-blue:10000", green: "http://api-green:10000" } };
  it("produces env vars the edge accepts, with defaults applied", () => {
    const env = buildEdgeEnv({ apps, routes: [{ hosts: ["api.example.com"], app: "api" }], active: { api: "green" } });
    expect(JSON.parse(env.EDGE_APPS)).toEqual({ api: { ...apps.api, healthPath: "/healthz" } });
    expect(loadConfig({ ...env, EDGE_ADMIN_TOKEN: "0123456789abcdef0123" }).routes[0]).toMatchObject({ app: "api", pathPrefix: "/" });
  });
  it("rejects what would stop the edge, naming the variable and field", () => {
    expect(() => buildEdgeEnv({ apps, routes: [{ app: "web" }] })).toThrow(/^EDGE_ROUTES: 0\.app: unknown app 'web'/);
    expect(() => buildEdgeEnv({ apps, routes: [{ app: "api" }], active: { web: "blue" } })).toThrow(/^EDGE_ACTIVE: web: unknown app/);
    expect(() => buildEdgeEnv({ apps, routes: [{ app: "api" }], active: { api: "purple" as "blue" } })).toThrow(/EDGE_ACTIVE/);
  });
});

import { provider as service } from "../../../infra/providers/impl/service";
import { provider as postgres } from "../../../infra/providers/impl/postgres";
import { provider as envVars } from "../../../infra/providers/impl/env-vars";
import { canonicalImage } from "../../../infra/providers/image-ref";

async function checked(news: Record<string, unknown>) {
  const r = await service.check!({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}
const base = { name: "api-blue", ownerId: "tea-stackguardstaging000", type: "web_service", image: "docker.io/org/api:1.0.0", healthCheckPath: "/healthz" };

describe("Service diff", () => {
  it("no change, even when only __provider differs (provider code edited)", async () => {
    const olds = { ...(await checked(base)), __provider: "old closure", serviceId: "srv-x", slug: "api-blue" };
    const news = { ...(await checked(base)), __provider: "new closure" };
    expect(await service.diff!("srv-x", olds, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });
  it.each([
    ["name", { name: "api-green" }],
    ["plan", { plan: "standard" }],
    ["numInstances", { numInstances: 3 }],
    ["healthCheckPath", { healthCheckPath: "/ready" }],
    ["image", { image: "docker.io/org/api:1.0.1" }],
    ["autoscaling", { autoscaling: { min: 2, max: 4, cpuPercent: 70 } }],
    ["startCommand", { startCommand: "node server.js" }],
    ["suspended", { suspended: true }],
  ])("%s updates in place", async (_f, change) => {
    const d = await service.diff!("srv-x", await checked(base), await checked({ ...base, ...change }));
    expect(d.changes).toBe(true);
    expect(d.replaces).toEqual([]);
  });
  it.each([
    ["type", { type: "private_service", healthCheckPath: undefined }],
    ["ownerId", { ownerId: "tea-otherworkspace0000" }],
    ["region", { region: "frankfurt" }],
    ["runtime", { image: undefined, repo: "https://github.com/o/r", runtime: "docker" }],
  ])("%s forces a replacement", async (field, change) => {
    const d = await service.diff!("srv-x", await checked(base), await checked({ ...base, ...change }));
    expect(d.changes).toBe(true);
    expect(d.replaces).toContain(field);
  });
  it("does not diff an image Render spelled out, an empty health path, or instances under autoscaling", async () => {
    const short = await checked({ ...base, image: "nginx", healthCheckPath: undefined });
    const live = { ...short, image: "docker.io/library/nginx:latest", healthCheckPath: "" };
    expect((await service.diff!("srv-x", live, short)).changes).toBe(false);
    const auto = await checked({ ...base, autoscaling: { min: 2, max: 6, cpuPercent: 70 } });
    expect((await service.diff!("srv-x", { ...auto, numInstances: 5 }, auto)).changes).toBe(false);
  });
  it("ignores maxShutdownDelaySeconds Render defaulted when the program leaves it unset", async () => {
    const n = await checked(base);
    expect((await service.diff!("srv-x", { ...n, maxShutdownDelaySeconds: 30 }, n)).changes).toBe(false);
    expect((await service.diff!("srv-x", { ...n, maxShutdownDelaySeconds: 30 }, { ...n, maxShutdownDelaySeconds: 60 })).changes).toBe(true);
  });
});

describe("Postgres and EnvVars diff", () => {
  const pg = { name: "db", ownerId: "tea-stackguardstaging000", plan: "pro_4gb", version: "16", region: "oregon", highAvailability: false, readReplicas: [] };
  it("plan/HA/replicas update; version/region replace", async () => {
    expect(await postgres.diff!("dpg-x", pg, { ...pg, plan: "pro_8gb", highAvailability: true, readReplicas: ["r1"] })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect((await postgres.diff!("dpg-x", pg, { ...pg, version: "17" })).replaces).toEqual(["version"]);
    expect((await postgres.diff!("dpg-x", pg, { ...pg, region: "ohio" })).replaces).toEqual(["region"]);
  });
  it("env var values update in place; moving to another service replaces", async () => {
    const ev = { serviceId: "srv-a", values: { A: "1" }, unmanagedKeys: [] };
    expect(await envVars.diff!("x", ev, { ...ev, values: { A: "2" } })).toMatchObject({ changes: true, replaces: [] });
    expect((await envVars.diff!("x", ev, { ...ev, serviceId: "srv-b" })).replaces).toEqual(["serviceId"]);
    expect((await envVars.diff!("x", { ...ev, secretInputs: { values: true } }, { ...ev, secretInputs: { values: true } })).changes).toBe(false);
  });
});

describe("canonicalImage", () => {
  it.each([
    ["nginx", "docker.io/library/nginx:latest"],
    ["org/app", "docker.io/org/app:latest"],
    ["org/app:1.2", "docker.io/org/app:1.2"],
    ["ghcr.io/org/app", "ghcr.io/org/app:latest"],
    ["localhost:5000/app:1", "localhost:5000/app:1"],
    ["docker.io/org/app@sha256:abc", "docker.io/org/app@sha256:abc"],
  ])("%s → %s", (a, b) => expect(canonicalImage(a)).toBe(b));
});

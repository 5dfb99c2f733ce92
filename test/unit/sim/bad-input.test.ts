import { gitWebService, imageWebService, STAGING, withSim } from "./helpers";

/** Malformed requests get Render's error status and a body naming the field; nothing changes; serving goes on. */
describe("bad input", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  beforeAll(async () => {
    h = await withSim();
  });
  afterAll(() => h.done());

  const serviceCount = async () => (await h.api.get("/services?limit=100")).body.length as number;

  it("answers 401 without a key or with a wrong one, with rate-limit headers", async () => {
    for (const key of [null, "wrong-key"]) {
      const r = await h.api.call("GET", "/services", undefined, { key });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ message: "Unauthorized" });
      expect(r.headers.get("ratelimit-limit")).toBe("40000");
    }
  });

  it("guards the admin API with the same key (health excepted) and validates fault bodies", async () => {
    expect((await h.api.call("GET", "/__sim/health", undefined, { admin: true, key: null })).status).toBe(200);
    const noKey = await h.api.call("GET", "/__sim/services/srv-alphastackengine0000/faults", undefined, { admin: true, key: null });
    expect(noKey.status).toBe(401);
    const wrong = await h.api.call("PUT", "/__sim/services/srv-alphastackengine0000/faults", { healthy: false }, { admin: true, key: "nope" });
    expect(wrong.status).toBe(401);
    const unknownField = await h.api.call("PUT", "/__sim/services/srv-alphastackengine0000/faults", { healthyy: false }, { admin: true });
    expect(unknownField.status).toBe(400);
    const unknownService = await h.api.call("GET", "/__sim/services/srv-d0000000000000000000/faults", undefined, { admin: true });
    expect(unknownService.status).toBe(404);
    const policy = await h.api.call("PUT", "/__sim/owners/tea-stackguardstaging000/settings", { overlappingDeployPolicy: "later" }, { admin: true });
    expect(policy.status).toBe(400);
    expect(policy.body.message).toMatch(/overlappingDeployPolicy/);
  });

  it("answers 404 with Render's message for unknown ids on every kind", async () => {
    for (const path of [
      "/services/srv-d0000000000000000000",
      "/postgres/dpg-d0000000000000000000-a",
      "/env-groups/evg-d0000000000000000000",
      "/projects/prj-d0000000000000000000",
      "/environments/evm-d0000000000000000000",
      "/owners/tea-d0000000000000000000",
    ]) {
      const r = await h.api.get(path);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ message: `not found: ${path.split("/")[2]}` });
    }
    const d = await h.api.get("/services/srv-alphastackengine0000/deploys/dep-d0000000000000000000");
    expect(d.status).toBe(404);
  });

  it("rejects invalid JSON, missing fields, wrong types and unknown enum values with 400 naming the field", async () => {
    const before = await serviceCount();
    const bad = await h.api.call("POST", "/services", undefined, { raw: '{"type": "web_service", "name": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/invalid JSON/);

    const missing = await h.api.post("/services", { type: "web_service", ownerId: STAGING, repo: "https://github.com/a/b" });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('missing required field "name"');

    const wrongType = await h.api.post("/services", { ...gitWebService("bad-type"), name: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toBe('invalid type for "name": must be string');

    const enumBad = await h.api.post("/services", gitWebService("bad-plan", { plan: "gigantic" }));
    expect(enumBad.status).toBe(400);
    expect(enumBad.body.message).toMatch(/^invalid value for "serviceDetails.plan": must be one of starter, /);

    const typeBad = await h.api.post("/services", { ...gitWebService("bad-kind"), type: "lambda" });
    expect(typeBad.status).toBe(400);
    expect(typeBad.body.message).toMatch(/"type": must be one of static_site, web_service/);

    const nested = await h.api.post("/env-groups", { name: "g", ownerId: STAGING, envVars: [{ key: "A", value: 1 }] });
    expect(nested.status).toBe(400);
    expect(nested.body.message).toMatch(/envVars\[0\]/);

    const scale = await h.api.post("/services/srv-alphastackengine0000/scale", { numInstances: "three" });
    expect(scale.status).toBe(400);
    expect(scale.body.message).toBe('invalid type for "numInstances": must be integer');

    const query = await h.api.get("/services?type=lambda");
    expect(query.status).toBe(400);
    expect(query.body.message).toMatch(/query parameter "type"/);

    expect(await serviceCount()).toBe(before);
  });

  it("rejects an oversized body with 413 and keeps serving", async () => {
    const huge = "x".repeat(1024 * 1024 + 10);
    const r = await h.api.call("PUT", "/services/srv-alphastackengine0000/env-vars", undefined, { raw: JSON.stringify([{ key: "BIG", value: huge }]) });
    expect(r.status).toBe(413);
    expect(r.body.message).toMatch(/too large/);
    const vars = await h.api.get("/services/srv-alphastackengine0000/env-vars");
    expect(vars.status).toBe(200);
    expect(vars.body.find((v: any) => v.envVar.key === "BIG")).toBeUndefined();
  });

  it("answers 409 for a custom domain already in use and 400 for a malformed one", async () => {
    const svc = (await h.api.post("/services", imageWebService("domains-bad"))).body.service.id;
    const dup = await h.api.post(`/services/${svc}/custom-domains`, { name: "engine.alphastack.example" });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/already in use/);
    const bad = await h.api.post(`/services/${svc}/custom-domains`, { name: "not a domain" });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/"name"/);
  });

  it("keeps serving concurrent requests while bad ones fail", async () => {
    const mixed = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2
          ? h.api.call("POST", "/env-groups", undefined, { raw: "{oops" })
          : h.api.post("/env-groups", { name: `concurrent-${i}`, ownerId: STAGING, envVars: [{ key: "K", value: String(i) }] }),
      ),
    );
    expect(mixed.filter((r) => r.status === 201)).toHaveLength(20);
    expect(mixed.filter((r) => r.status === 400)).toHaveLength(20);
    const groups = await h.api.get("/env-groups?limit=100");
    expect(groups.body.filter((g: any) => g.name.startsWith("concurrent-"))).toHaveLength(20);
  });
});

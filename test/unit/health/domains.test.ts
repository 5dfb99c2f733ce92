import { checkDomains, assertDomainsReady, collectDomainSignals, DomainsNotReadyError } from "../../../infra/health/domains";
import { RenderClient } from "../../../infra/render/client";
import { RenderHttp } from "../../../infra/render/http";
import type { CustomDomain } from "../../../infra/render/schemas/domain";
import { withSim, STAGING } from "../sim/helpers";

const dom = (name: string, verificationStatus: "verified" | "unverified", redirectForName = ""): CustomDomain => ({
  id: `cdm-${name.replace(/\W/g, "")}`,
  name,
  domainType: "subdomain",
  verificationStatus,
  createdAt: "2026-11-27T00:00:00Z",
  redirectForName,
});

describe("checkDomains (pure)", () => {
  it("is ready when every expected domain is present and verified", () => {
    const c = checkDomains([dom("api.example.com", "verified"), dom("other.example.com", "unverified")], ["api.example.com"]);
    expect(c).toEqual({ ready: true, domains: [{ name: "api.example.com", verificationStatus: "verified" }], problems: [] });
  });

  it("names a missing and an unverified domain, each with its fix", () => {
    const c = checkDomains([dom("api.example.com", "unverified")], ["api.example.com", "www.example.com"]);
    expect(c.ready).toBe(false);
    expect(c.problems.map((p) => [p.domain, p.problem])).toEqual([
      ["api.example.com", "unverified"],
      ["www.example.com", "missing"],
    ]);
    expect(c.problems[0].detail).toMatch(/point its DNS at the edge/);
    expect(c.problems[1].detail).toMatch(/stackguard:edge\.domains/);
  });

  it("also requires the www redirect Render added for an expected apex domain", () => {
    const c = checkDomains([dom("example.com", "verified"), dom("www.example.com", "unverified", "example.com")], ["example.com"]);
    expect(c.problems).toEqual([expect.objectContaining({ domain: "www.example.com", problem: "unverified" })]);
  });

  it("compares names case-insensitively", () => {
    expect(checkDomains([dom("api.example.com", "verified")], ["API.example.com"]).ready).toBe(true);
  });
});

describe("assertDomainsReady and collectDomainSignals against the simulator", () => {
  let s: Awaited<ReturnType<typeof withSim>>;
  let render: RenderClient;
  let edgeId: string;

  beforeAll(async () => {
    s = await withSim({ timeScale: 0.01, rateLimit: "relaxed" });
    render = new RenderClient(new RenderHttp({ config: { apiUrl: s.sim.apiUrl, apiKey: s.sim.apiKey } }));
    edgeId = (
      await render.services.create({
        type: "web_service",
        name: "edge-domains",
        ownerId: STAGING,
        image: { ownerId: STAGING, imagePath: "nginx" },
        serviceDetails: { runtime: "image" },
      })
    ).service.id;
    await render.customDomains.create(edgeId, "api.staging.example.com");
    await render.customDomains.create(edgeId, "shop.example");
  });
  afterAll(async () => {
    await s.done();
  });

  it("refuses to let traffic move while a domain is unverified, then passes once Render verified it", async () => {
    const err = await assertDomainsReady(render, edgeId, ["api.staging.example.com"]).catch((e) => e);
    expect(err).toBeInstanceOf(DomainsNotReadyError);
    expect(err.message).toMatch(/api\.staging\.example\.com is not verified/);
    await render.customDomains.verify(edgeId, "api.staging.example.com");
    const ok = await assertDomainsReady(render, edgeId, ["api.staging.example.com"]);
    expect(ok.domains).toEqual([{ name: "api.staging.example.com", verificationStatus: "verified" }]);
  });

  it("an apex domain needs its www redirect verified too; a domain not on the edge is missing", async () => {
    await render.customDomains.verify(edgeId, "shop.example");
    const err = await assertDomainsReady(render, edgeId, ["shop.example", "absent.example.com"]).catch((e) => e);
    expect(err.problems.map((p: { domain: string; problem: string }) => `${p.domain}:${p.problem}`).sort()).toEqual([
      "absent.example.com:missing",
      "www.shop.example:unverified",
    ]);
  });

  it("collects one domain.verification sample per domain, and an error for a service it cannot read", async () => {
    const now = Date.parse("2026-11-27T01:00:00Z");
    const got = await collectDomainSignals(render, [edgeId, "srv-alphastackengine0000", "srv-doesnotexist00000000"], now);
    const byName = Object.fromEntries(got.samples.map((x) => [x.target, x.sample.v]));
    expect(byName).toEqual({ "api.staging.example.com": 1, "shop.example": 1, "www.shop.example": 0, "engine.alphastack.example": 1 });
    expect(got.samples.every((x) => x.signal === "domain.verification" && x.sample.t === now)).toBe(true);
    expect(got.errors).toEqual([{ serviceId: "srv-doesnotexist00000000", error: expect.stringMatching(/404|not found/i) }]);
    expect(got.errors[0].error).not.toContain(s.sim.apiKey);
  });
});

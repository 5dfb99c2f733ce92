import { provider as service } from "../../../infra/providers/impl/service";
import { provider as postgres } from "../../../infra/providers/impl/postgres";
import { provider as envVars } from "../../../infra/providers/impl/env-vars";
import { provider as envGroup } from "../../../infra/providers/impl/env-group";
import { provider as domain } from "../../../infra/providers/impl/custom-domain";

const web = { name: "api-blue", ownerId: "tea-stackguardstaging000", type: "web_service", image: "docker.io/org/api:1.0.0", healthCheckPath: "/healthz" };

async function failures(p: typeof service, news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const r = await p.check!(olds, news);
  return r.failures ?? [];
}

describe("check: valid inputs get defaults", () => {
  it("fills region, plan, instances, runtime and the auto-deploy default per workspace", async () => {
    const r = await service.check!({}, { ...web, __provider: "closure" });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({
      region: "oregon",
      plan: "starter",
      numInstances: 1,
      runtime: "image",
      autoDeploy: true,
      suspended: false,
      __provider: "closure",
    });
    const prod = await service.check!({}, { ...web, ownerId: "tea-alphastackprod000000" });
    expect(prod.inputs.autoDeploy).toBe(false);
    const explicit = await service.check!({}, { ...web, ownerId: "tea-alphastackprod000000", autoDeploy: true });
    expect(explicit.inputs.autoDeploy).toBe(true);
  });
});

describe("check: bad input names the resource, the field and the fix", () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["wrong plan", { ...web, plan: "gigantic" }, "plan", /Service "api-blue": plan: .*use one of: "starter"/],
    ["unknown region", { ...web, region: "mars" }, "region", /region: .*"frankfurt", "oregon"/],
    ["negative instances", { ...web, numInstances: -2 }, "numInstances", /numInstances must be at least 1/],
    ["autoscaling min > max", { ...web, autoscaling: { min: 5, max: 2 } }, "autoscaling", /min \(5\) is greater than autoscaling.max \(2\); make min ≤ max/],
    ["image and repo", { ...web, repo: "https://github.com/o/r", runtime: "node" }, "repo", /set exactly one of image .* or repo/],
    ["health check on a worker", { ...web, type: "background_worker" }, "healthCheckPath", /only web services have a health check path; remove it/],
    ["health check path shape", { ...web, healthCheckPath: "healthz" }, "healthCheckPath", /must start with '\/'/],
    [
      "native runtime without start command",
      { name: "w", ownerId: "tea-stackguardstaging000", type: "background_worker", repo: "https://github.com/o/r", runtime: "node" },
      "startCommand",
      /runtime node needs a startCommand/,
    ],
    [
      "plan on a static site",
      { name: "site", ownerId: "tea-stackguardstaging000", type: "static_site", repo: "https://github.com/o/r", plan: "starter" },
      "plan",
      /a static site has no plan; remove it/,
    ],
    ["unknown field", { ...web, instances: 2 }, "", /remove instances/],
    ["bad owner", { ...web, ownerId: "alphastack" }, "ownerId", /ownerId must be a workspace id like tea-/],
  ];
  it.each(cases)("%s", async (_what, news, property, reason) => {
    const f = await failures(service, news);
    expect(f.length).toBeGreaterThan(0);
    const hit = f.find((x) => x.property === property);
    expect(hit).toBeDefined();
    expect(hit!.reason).toMatch(reason);
  });

  it("Postgres: wrong plan, version, HA on a basic plan, shrinking disk", async () => {
    const pg = { name: "platform-db", ownerId: "tea-stackguardstaging000", plan: "basic_1gb", version: "16" };
    expect((await failures(postgres, { ...pg, plan: "huge" }))[0].reason).toMatch(/Postgres "platform-db": plan: .*use one of: "basic_256mb"/);
    expect((await failures(postgres, { ...pg, version: "9" }))[0].property).toBe("version");
    expect((await failures(postgres, { ...pg, highAvailability: true }))[0].reason).toMatch(/high availability needs a pro or accelerated plan/);
    const shrink = await failures(postgres, { ...pg, diskSizeGB: 10 }, { ...pg, diskSizeGB: 20 });
    expect(shrink[0]).toMatchObject({ property: "diskSizeGB" });
    expect(shrink[0].reason).toMatch(/cannot shrink \(20 → 10\)/);
  });

  it("EnvVars / EnvGroup: a plaintext value where a secret is required, without echoing it", async () => {
    const f = await failures(envVars, { serviceId: "srv-aaaaaaaaaaaaaaaaaaaa", values: { TOKEN: "canary-plain-4471" }, secretInputs: { values: false } });
    expect(f).toHaveLength(1);
    expect(f[0].property).toBe("values");
    expect(f[0].reason).toMatch(/must be a Pulumi secret.*pulumi.secret/);
    expect(JSON.stringify(f)).not.toContain("canary-plain-4471");
    const ok = await failures(envVars, { serviceId: "srv-aaaaaaaaaaaaaaaaaaaa", values: { TOKEN: "x" }, secretInputs: { values: true } });
    expect(ok).toEqual([]);
    const g = await failures(envGroup, {
      name: "g",
      ownerId: "tea-stackguardstaging000",
      secretFiles: { "a.txt": "canary-file-8812" },
      secretInputs: { secretFiles: false },
    });
    expect(g.map((x) => x.property)).toEqual(["secretFiles"]);
    expect(JSON.stringify(g)).not.toContain("canary-file-8812");
  });

  it("EnvVars: a bad key names the rule; a key both managed and unmanaged is rejected", async () => {
    const f = await failures(envVars, { serviceId: "srv-aaaaaaaaaaaaaaaaaaaa", values: { "1BAD": "v" }, secretInputs: { values: true } });
    expect(f[0].reason).toMatch(/env var keys are letters/);
    const both = await failures(envVars, { serviceId: "srv-aaaaaaaaaaaaaaaaaaaa", values: { A: "v" }, unmanagedKeys: ["A"], secretInputs: { values: true } });
    expect(both[0].reason).toMatch(/both managed .* and unmanaged/);
  });

  it("CustomDomain: host name shape", async () => {
    const f = await failures(domain, { serviceId: "srv-aaaaaaaaaaaaaaaaaaaa", name: "not a host" });
    expect(f[0].reason).toMatch(/name must be a DNS host name/);
  });
});

describe("check during preview, with inputs not known yet", () => {
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  it("does not fail on an unknown id, and keeps it unknown", async () => {
    const r = await envVars.check!({}, { serviceId: UNKNOWN, values: { A: "1" }, secretInputs: { values: true } });
    expect(r.failures).toEqual([]);
    expect(r.inputs.serviceId).toBe(UNKNOWN);
    // an unknown optional field: defaults still apply, so an update's preview shows no spurious change
    const s = await service.check!({}, { ...web, environmentId: UNKNOWN });
    expect(s.failures).toEqual([]);
    expect(s.inputs).toMatchObject({ environmentId: UNKNOWN, plan: "starter", region: "oregon" });
    // an unknown field a cross-field rule needs: no failure, the unknown kept
    const i = await service.check!({}, { ...web, image: UNKNOWN });
    expect(i.failures).toEqual([]);
    expect(i.inputs.image).toBe(UNKNOWN);
  });
  it("a required field unknown: the known fields still get their defaults and normalisation (what the update's check returns)", async () => {
    // `pulumi up --plan` compares the checked inputs of the preview with those of the update: a default missing at
    // preview and present at the update is a plan violation ("properties changed: =+verify[{true}]").
    const d = await domain.check!({}, { serviceId: UNKNOWN, name: "API.Example.com", __provider: "closure" });
    expect(d.failures).toEqual([]);
    expect(d.inputs).toEqual({ serviceId: UNKNOWN, name: "api.example.com", verify: true, __provider: "closure" });
    const v = await envVars.check!({}, { serviceId: UNKNOWN, values: { A: "1", B: UNKNOWN }, secretInputs: { values: true } });
    expect(v.inputs).toEqual({ serviceId: UNKNOWN, values: { A: "1", B: UNKNOWN }, unmanagedKeys: [], secretInputs: { values: true } });
    const g = await envGroup.check!({}, { name: " g ", ownerId: "tea-stackguardstaging000", envVars: UNKNOWN, secretInputs: { envVars: UNKNOWN } });
    expect(g.failures).toEqual([]);
    expect(g.inputs).toEqual({ name: "g", ownerId: "tea-stackguardstaging000", envVars: UNKNOWN, secretFiles: {}, secretInputs: { envVars: UNKNOWN } });
    // A cross-field rule needing an unknown field: the schema's final transform still fills the defaults.
    const s = await service.check!({}, { ...web, image: UNKNOWN });
    expect(s.inputs).toMatchObject({ image: UNKNOWN, plan: "starter", region: "oregon", numInstances: 1, suspended: false, autoDeploy: true });
  });
  it("still reports failures about known fields", async () => {
    const r = await service.check!({}, { ...web, image: UNKNOWN, plan: "gigantic" });
    expect(r.failures!.map((f) => f.property)).toEqual(["plan"]);
    const v = await envVars.check!({}, { serviceId: UNKNOWN, values: { A: UNKNOWN, "1BAD": "x" }, secretInputs: { values: true } });
    expect(v.failures!.map((f) => f.reason).join()).toMatch(/env var keys are letters/);
  });
});

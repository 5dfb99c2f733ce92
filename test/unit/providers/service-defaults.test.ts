import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { provider as service } from "../../../infra/providers/impl/service";
import { buildFilterProblems, listRepoFiles } from "../../../infra/providers/build-filter";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const web = { name: "api-blue", ownerId: "tea-stackguardstaging000", type: "web_service", image: "docker.io/org/api:1.0.0", healthCheckPath: "/healthz" };
/** A repo-backed static site whose repository is this one, checked out at the project root. */
const site = {
  name: "docs-site",
  ownerId: "tea-stackguardstaging000",
  type: "static_site",
  repo: "https://github.com/example/stackguard",
  buildCommand: "true",
  publishPath: "dist",
  repoCheckout: ROOT,
};

async function check(news: Record<string, unknown>) {
  return service.check!({}, news);
}

describe("Service defaults (provider level)", () => {
  it("runs a production web service on two instances when no count is given", async () => {
    const r = await check({ ...web, ownerId: "tea-alphastackprod000000" });
    expect(r.failures).toEqual([]);
    expect(r.inputs.numInstances).toBe(2);
  });

  it("keeps one instance outside production, for workers, and an explicit count", async () => {
    expect((await check(web)).inputs.numInstances).toBe(1);
    const { healthCheckPath: _h, ...worker } = web;
    expect((await check({ ...worker, type: "background_worker", ownerId: "tea-alphastackprod000000" })).inputs.numInstances).toBe(1);
    expect((await check({ ...web, ownerId: "tea-alphastackprod000000", numInstances: 3 })).inputs.numInstances).toBe(3);
  });
});

describe("Service check: a build filter that matches nothing", () => {
  it("accepts globs that match files of the checkout", async () => {
    const r = await check({ ...site, buildFilter: { paths: ["infra/**", "apps/edge/*.ts"], ignoredPaths: ["**/*.md"] } });
    expect(r.failures).toEqual([]);
    expect(r.inputs.buildFilter).toEqual({ paths: ["infra/**", "apps/edge/*.ts"], ignoredPaths: ["**/*.md"] });
  });

  it("rejects a paths glob that matches no file, naming the field and the glob", async () => {
    const r = await check({ ...site, buildFilter: { paths: ["infra/**", "aps/web/**"] } });
    expect(r.failures).toHaveLength(1);
    expect(r.failures![0].property).toBe("buildFilter");
    expect(r.failures![0].reason).toMatch(
      /Service "docs-site": buildFilter\.paths\.1: buildFilter\.paths\[1\] "aps\/web\/\*\*" matches no file in .*: fix the glob/,
    );
  });

  it("rejects an ignoredPaths glob that matches no file", async () => {
    const r = await check({ ...site, buildFilter: { paths: ["infra/**"], ignoredPaths: ["**/*.docx"] } });
    expect(r.failures![0].reason).toMatch(/buildFilter\.ignoredPaths\.0: .*"\*\*\/\*\.docx" matches no file/);
  });

  it("rejects a filter whose ignoredPaths cancel every path", async () => {
    const r = await check({ ...site, buildFilter: { paths: ["apps/edge/**"], ignoredPaths: ["apps/**"] } });
    expect(r.failures![0]).toMatchObject({ property: "buildFilter" });
    expect(r.failures![0].reason).toMatch(/leaves no file .* that can trigger a build/);
  });

  it("rejects a checkout that does not exist, naming repoCheckout", async () => {
    const r = await check({ ...site, repoCheckout: path.join(ROOT, "no-such-dir"), buildFilter: { paths: ["infra/**"] } });
    expect(r.failures![0].property).toBe("repoCheckout");
    expect(r.failures![0].reason).toMatch(/cannot list the files of .*no-such-dir .*not a directory/);
  });

  it("rejects repoCheckout on an image-backed service", async () => {
    const r = await check({ ...web, repoCheckout: ROOT });
    expect(r.failures![0]).toMatchObject({ property: "repoCheckout" });
  });

  it("without a checkout, the globs cannot be verified and are accepted as written", async () => {
    const { repoCheckout: _c, ...noCheckout } = site;
    const r = await check({ ...noCheckout, buildFilter: { paths: ["anything/**"] } });
    expect(r.failures).toEqual([]);
  });

  it("lists a plain directory (not a git work tree) by walking it, without node_modules", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-bf-"));
    try {
      fs.mkdirSync(path.join(dir, "web", "src"), { recursive: true });
      fs.mkdirSync(path.join(dir, "node_modules", "x"), { recursive: true });
      fs.writeFileSync(path.join(dir, "web", "src", "main.ts"), "");
      fs.writeFileSync(path.join(dir, "node_modules", "x", "index.js"), "");
      expect(listRepoFiles(dir)).toEqual(["web/src/main.ts"]);
      expect(buildFilterProblems({ paths: ["web/**"] }, listRepoFiles(dir), dir)).toEqual([]);
      expect(buildFilterProblems({ paths: ["node_modules/**"] }, listRepoFiles(dir), dir)).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Service check: autoscaling and plan/region", () => {
  it("rejects autoscaling min above max, naming autoscaling", async () => {
    const r = await check({ ...web, autoscaling: { min: 4, max: 2, cpuPercent: 70 } });
    expect(r.failures![0]).toMatchObject({ property: "autoscaling" });
    expect(r.failures![0].reason).toMatch(/autoscaling\.min \(4\) is greater than autoscaling\.max \(2\)/);
  });

  it("rejects autoscaling in a personal account (Render offers it to team workspaces only)", async () => {
    const r = await check({ ...web, ownerId: "usr-abcdefghij0123456789", autoscaling: { min: 2, max: 4, cpuPercent: 70 } });
    expect(r.failures![0]).toMatchObject({ property: "autoscaling" });
    expect(r.failures![0].reason).toMatch(/only in team workspaces \(tea-…\)/);
    expect((await check({ ...web, autoscaling: { min: 2, max: 4, cpuPercent: 70 } })).failures).toEqual([]);
  });

  it("accepts every service plan in every region (Render publishes no plan/region restriction for services)", async () => {
    for (const region of ["frankfurt", "oregon", "ohio", "singapore", "virginia"]) {
      expect((await check({ ...web, region, plan: "pro_ultra" })).failures).toEqual([]);
    }
  });
});

import {
  buildFilterPresent,
  productionAutoDeployOff,
  productionWebServiceRedundant,
  serviceRegionMatchesDatabase,
  servicePlanMatchesMetrics,
} from "../rules/render";
import { TYPES } from "../rules/types";
import { messages, res } from "./fixtures";

const web = (props: Record<string, unknown> = {}) =>
  res(TYPES.service, "api-blue", {
    name: "api-blue",
    type: "web_service",
    plan: "standard",
    region: "oregon",
    numInstances: 2,
    autoDeploy: false,
    image: "docker.io/org/api:1.0.0",
    ...props,
  });

describe("Render advisories", () => {
  test("a two-instance production web service is compliant", () => {
    expect(productionWebServiceRedundant(web(), "production")).toEqual({ status: "compliant" });
  });
  test("a single-instance production web service is flagged", () => {
    expect(messages(productionWebServiceRedundant(web({ numInstances: 1 }), "production"))[0]).toMatch(
      /^render:Service "api-blue" should run at least two instances in production \(numInstances is 1\)/,
    );
  });
  test("autoscaling from one instance is flagged; from two is fine", () => {
    expect(messages(productionWebServiceRedundant(web({ autoscaling: { enabled: true, min: 1, max: 4 } }), "production"))[0]).toMatch(/autoscaling\.min is 1/);
    expect(productionWebServiceRedundant(web({ numInstances: 1, autoscaling: { enabled: true, min: 2, max: 4 } }), "production").status).toBe("compliant");
  });
  test("auto-deploy on in production is flagged", () => {
    expect(messages(productionAutoDeployOff(web({ autoDeploy: true }), "production"))[0]).toMatch(/should not auto-deploy in production/);
    expect(productionAutoDeployOff(web({ autoDeploy: true }), "staging").status).toBe("not-applicable");
  });
  test("a repo-backed service without a build filter is flagged", () => {
    const repo = { image: undefined, repo: "https://github.com/org/app", runtime: "node" };
    expect(buildFilterPresent(web({ ...repo, buildFilter: { paths: ["apps/api/**"] } })).status).toBe("compliant");
    expect(messages(buildFilterPresent(web(repo)))[0]).toMatch(/should set buildFilter\.paths/);
    expect(messages(buildFilterPresent(web({ ...repo, buildFilter: { paths: [], ignoredPaths: [] } })))).toHaveLength(1);
    expect(buildFilterPresent(web()).status).toBe("not-applicable");
  });
  test("a service in another region than the database is flagged", () => {
    const db = res(TYPES.postgres, "db", { name: "platform-db", region: "oregon" });
    expect(serviceRegionMatchesDatabase([db, web()]).status).toBe("compliant");
    expect(messages(serviceRegionMatchesDatabase([db, web({ region: "frankfurt" })]))[0]).toMatch(
      /should run in the database's region \(oregon\), not frankfurt/,
    );
    expect(serviceRegionMatchesDatabase([web()]).status).toBe("not-applicable");
  });
  test("a plan far above or below the measured use is flagged; too few samples is not", () => {
    const cfg = { lowPercent: 20, highPercent: 85, minSamples: 100 };
    const data = (cpu: number, mem: number, samples = 500) => ({
      generatedAt: "2026-11-26T00:00:00Z",
      services: { "api-blue": { cpuP95Percent: cpu, memoryP95Percent: mem, samples } },
    });
    expect(servicePlanMatchesMetrics(web(), data(50, 60), cfg).status).toBe("compliant");
    expect(messages(servicePlanMatchesMetrics(web(), data(5, 10), cfg))[0]).toMatch(/should have a smaller plan than standard: .* Consider starter_plus\./);
    expect(messages(servicePlanMatchesMetrics(web(), data(92, 40), cfg))[0]).toMatch(/should have a larger plan than standard: .* Consider standard_plus\./);
    expect(servicePlanMatchesMetrics(web(), data(5, 10, 20), cfg).status).toBe("not-applicable");
    expect(servicePlanMatchesMetrics(web(), undefined, cfg).status).toBe("not-applicable");
  });
});

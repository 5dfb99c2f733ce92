import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { EDGE_TIMING_DEFAULTS } from "../../../apps/edge/config";
import { parseStackConfig, StackConfigError } from "../../../infra/config/load";
import {
  defaultBuildFilter,
  EDGE_HEALTH_CHECK_PATH,
  minShutdownDelaySeconds,
  PRODUCTION_MIN_INSTANCES,
  SHUTDOWN_SLACK_SECONDS,
} from "../../../infra/config/defaults";
import { edgeRoutes } from "../../../infra/config/routing";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** A committed stack file's `stackguard:*` keys, as the program reads them (a fresh copy per call). */
function rawConfig(stack: "staging" | "production"): Record<string, any> {
  const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(doc.config as Record<string, unknown>)) {
    if (k.startsWith("stackguard:")) out[k.slice("stackguard:".length)] = v;
  }
  return out;
}

function problemsOf(stack: string, raw: Record<string, unknown>): string {
  try {
    parseStackConfig(stack, raw);
  } catch (e) {
    if (e instanceof StackConfigError) return e.problems.join("\n");
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

describe("defaults: auto-deploy", () => {
  it("is off for every service in production and on in staging when the config leaves it out", () => {
    const prod = parseStackConfig("production", rawConfig("production"));
    const staging = parseStackConfig("staging", rawConfig("staging"));
    for (const app of Object.values(prod.apps)) expect(app.autoDeploy).toBe(false);
    for (const app of Object.values(staging.apps)) expect(app.autoDeploy).toBe(true);
    expect(prod.edge.autoDeploy).toBe(false);
    expect(staging.edge.autoDeploy).toBe(false);
  });

  it("keeps an explicit override", () => {
    const raw = rawConfig("production");
    raw.apps.worker.autoDeploy = true;
    expect(parseStackConfig("production", raw).apps.worker.autoDeploy).toBe(true);
  });
});

describe("defaults: instances", () => {
  it("gives production web services and the edge two instances when the count is left out", () => {
    const raw = rawConfig("production");
    delete raw.apps.api.instances;
    delete raw.apps.api.autoscaling;
    delete raw.edge.instances;
    const cfg = parseStackConfig("production", raw);
    expect(cfg.apps.api.kind === "blueGreen" && cfg.apps.api.instances).toBe(PRODUCTION_MIN_INSTANCES);
    expect(cfg.edge.instances).toBe(PRODUCTION_MIN_INSTANCES);
  });

  it("gives staging one instance when the count is left out", () => {
    const raw = rawConfig("staging");
    delete raw.apps.api.instances;
    delete raw.edge.instances;
    const cfg = parseStackConfig("staging", raw);
    expect(cfg.apps.api.kind === "blueGreen" && cfg.apps.api.instances).toBe(1);
    expect(cfg.edge.instances).toBe(1);
  });

  it("starts an autoscaled service at autoscaling.min when no count is given", () => {
    const raw = rawConfig("production");
    delete raw.apps.api.instances;
    raw.apps.api.autoscaling = { min: 3, max: 6, cpuPercent: 70 };
    const api = parseStackConfig("production", raw).apps.api;
    expect(api.kind === "blueGreen" && api.instances).toBe(3);
  });

  it("rejects an explicit single instance of a production web service, naming the field", () => {
    const raw = rawConfig("production");
    delete raw.apps.api.autoscaling;
    raw.apps.api.instances = 1;
    expect(problemsOf("production", raw)).toMatch(
      /stackguard:apps\.api\.instances: a production web service must run at least 2 instances \(instances is 1\).*allowSingleInstance/,
    );
  });

  it("rejects a single edge instance in production", () => {
    const raw = rawConfig("production");
    raw.edge.instances = 1;
    expect(problemsOf("production", raw)).toMatch(/stackguard:edge\.instances: a production web service must run at least 2/);
  });

  it("rejects production autoscaling that may go down to one instance, naming autoscaling.min", () => {
    const raw = rawConfig("production");
    raw.apps.api.autoscaling = { min: 1, max: 4, cpuPercent: 70 };
    delete raw.apps.api.instances;
    expect(problemsOf("production", raw)).toMatch(/stackguard:apps\.api\.autoscaling\.min: .*autoscaling\.min is 1/);
  });

  it("accepts a single instance with allowSingleInstance and a reason", () => {
    const raw = rawConfig("production");
    delete raw.apps.api.autoscaling;
    raw.apps.api.instances = 1;
    raw.apps.api.allowSingleInstance = true;
    raw.apps.api.singleInstanceReason = "holds an in-memory lock until the queue migration lands";
    const api = parseStackConfig("production", raw).apps.api;
    expect(api.kind === "blueGreen" && api.instances).toBe(1);
  });

  it("rejects allowSingleInstance without a reason", () => {
    const raw = rawConfig("production");
    delete raw.apps.api.autoscaling;
    raw.apps.api.instances = 1;
    raw.apps.api.allowSingleInstance = true;
    expect(problemsOf("production", raw)).toMatch(/stackguard:apps\.api\.singleInstanceReason: allowSingleInstance needs singleInstanceReason/);
  });

  it("lets staging run one instance and production workers keep their count", () => {
    expect(() => parseStackConfig("staging", rawConfig("staging"))).not.toThrow();
    const raw = rawConfig("production");
    raw.apps.worker.instances = 1;
    expect(parseStackConfig("production", raw).apps.worker).toMatchObject({ instances: 1 });
  });
});

describe("defaults: shutdown delay follows the edge's drain", () => {
  it("derives the slots' delay from the edge's drain timeout and the edge's from its shutdown grace", () => {
    const cfg = parseStackConfig("production", rawConfig("production"));
    const api = cfg.apps.api;
    expect(api.kind === "blueGreen" && api.maxShutdownDelaySeconds).toBe(Math.ceil(EDGE_TIMING_DEFAULTS.drainTimeoutMs / 1000) + SHUTDOWN_SLACK_SECONDS);
    expect(cfg.edge.maxShutdownDelaySeconds).toBe(Math.ceil(EDGE_TIMING_DEFAULTS.shutdownGraceMs / 1000) + SHUTDOWN_SLACK_SECONDS);
    expect(cfg.edge).toMatchObject({ drainTimeoutMs: EDGE_TIMING_DEFAULTS.drainTimeoutMs, shutdownGraceMs: EDGE_TIMING_DEFAULTS.shutdownGraceMs });
  });

  it("moves with a longer drain timeout set in the config", () => {
    const raw = rawConfig("production");
    raw.edge.drainTimeoutMs = 20_000;
    const api = parseStackConfig("production", raw).apps.api;
    expect(api.kind === "blueGreen" && api.maxShutdownDelaySeconds).toBe(25);
    expect(minShutdownDelaySeconds("slot", { drainTimeoutMs: 20_000, shutdownGraceMs: 0 })).toBe(25);
  });

  it("rejects a slot delay shorter than the edge's drain, naming the field", () => {
    const raw = rawConfig("production");
    raw.apps.api.maxShutdownDelaySeconds = 3;
    expect(problemsOf("production", raw)).toMatch(
      /stackguard:apps\.api\.maxShutdownDelaySeconds: maxShutdownDelaySeconds 3 is too short: the edge drains a slot for 5000 ms.*at least 10/,
    );
  });

  it("rejects an edge delay shorter than its shutdown grace", () => {
    const raw = rawConfig("production");
    raw.edge.maxShutdownDelaySeconds = 20;
    expect(problemsOf("production", raw)).toMatch(/stackguard:edge\.maxShutdownDelaySeconds: .*25000 ms after SIGTERM.*at least 30/);
  });

  it("keeps a longer explicit delay", () => {
    const raw = rawConfig("production");
    raw.apps.api.maxShutdownDelaySeconds = 120;
    const api = parseStackConfig("production", raw).apps.api;
    expect(api.kind === "blueGreen" && api.maxShutdownDelaySeconds).toBe(120);
  });
});

describe("defaults: pre-deploy command", () => {
  it("is none unless the app declares one (an image without the script would fail every deploy)", () => {
    const cfg = parseStackConfig("production", rawConfig("production"));
    expect(cfg.apps.api.kind === "blueGreen" && cfg.apps.api.preDeployCommand).toBeUndefined();
  });

  it("passes a declared expand migration through", () => {
    const raw = rawConfig("production");
    raw.apps.api.preDeployCommand = "npm run migrate:expand";
    const api = parseStackConfig("production", raw).apps.api;
    expect(api.kind === "blueGreen" && api.preDeployCommand).toBe("npm run migrate:expand");
  });

  it("rejects an empty command", () => {
    const raw = rawConfig("production");
    raw.apps.api.preDeployCommand = "  ";
    expect(problemsOf("production", raw)).toMatch(/stackguard:apps\.api\.preDeployCommand/);
  });
});

describe("defaults: health checks and region", () => {
  it("gives the edge its health path and every blue/green app the declared one", () => {
    const cfg = parseStackConfig("staging", rawConfig("staging"));
    expect(cfg.edge.healthCheckPath).toBe(EDGE_HEALTH_CHECK_PATH);
    expect(cfg.apps.api.kind === "blueGreen" && cfg.apps.api.healthCheckPath).toBe("/healthz");
  });

  it("rejects a blue/green app without a health check path", () => {
    const raw = rawConfig("staging");
    delete raw.apps.api.healthCheckPath;
    expect(problemsOf("staging", raw)).toMatch(/stackguard:apps\.api\.healthCheckPath/);
  });

  it("puts every service in the database's region", () => {
    const raw = rawConfig("staging");
    raw.render.region = "frankfurt";
    const cfg = parseStackConfig("staging", raw);
    expect(cfg.edge.region).toBe("frankfurt");
    for (const app of Object.values(cfg.apps)) if (app.kind !== "static") expect(app.region).toBe("frankfurt");
  });
});

describe("defaults: build filters", () => {
  it("derives the static site's filter from its rootDir", () => {
    const raw = rawConfig("production");
    raw.apps.frontend.rootDir = "web/";
    const site = parseStackConfig("production", raw).apps.frontend;
    expect(site.kind === "static" && site.buildFilter).toEqual({ paths: ["web/**"], ignoredPaths: [] });
    expect(defaultBuildFilter(".")).toBeUndefined();
    expect(defaultBuildFilter(undefined)).toBeUndefined();
  });

  it("keeps an explicit filter over the default", () => {
    const raw = rawConfig("production");
    raw.apps.frontend.rootDir = "web";
    raw.apps.frontend.buildFilter = { paths: ["web/src/**"], ignoredPaths: ["**/*.md"] };
    const site = parseStackConfig("production", raw).apps.frontend;
    expect(site.kind === "static" && site.buildFilter).toEqual({ paths: ["web/src/**"], ignoredPaths: ["**/*.md"] });
  });

  it("rejects an empty filter and a glob that climbs out of the repository", () => {
    const raw = rawConfig("production");
    raw.apps.frontend.buildFilter = { paths: [] };
    expect(problemsOf("production", raw)).toMatch(/stackguard:apps\.frontend\.buildFilter\.paths: list at least one glob/);
    const raw2 = rawConfig("production");
    raw2.apps.frontend.buildFilter = { paths: ["../other/**"] };
    expect(problemsOf("production", raw2)).toMatch(/stackguard:apps\.frontend\.buildFilter\.paths\.0: must be a glob relative to the repository root/);
  });

  it("rejects a build filter on an image-backed app (nothing is built from a repository)", () => {
    const raw = rawConfig("production");
    raw.apps.api.buildFilter = { paths: ["apps/api/**"] };
    expect(problemsOf("production", raw)).toMatch(/stackguard:apps\.api: .*Remove buildFilter/);
  });
});

describe("routing table", () => {
  it("builds the committed stacks' routes: the API and the static site, each on its domain", () => {
    const cfg = parseStackConfig("staging", rawConfig("staging"));
    expect(edgeRoutes(cfg.apps)).toEqual([
      { app: "api", hosts: ["api.staging.alphaplatform.example"], pathPrefix: "/" },
      { app: "frontend", hosts: ["staging.alphaplatform.example"], pathPrefix: "/" },
    ]);
  });

  it("routes every declared prefix on the app's hosts (not only the first)", () => {
    const raw = rawConfig("staging");
    raw.apps.api.pathPrefixes = ["/v1", "/v2"];
    const cfg = parseStackConfig("staging", raw);
    expect(edgeRoutes(cfg.apps).filter((r) => r.app === "api")).toEqual([
      { app: "api", hosts: ["api.staging.alphaplatform.example"], pathPrefix: "/v1" },
      { app: "api", hosts: ["api.staging.alphaplatform.example"], pathPrefix: "/v2" },
    ]);
  });

  it("rejects a routed host that is neither an edge domain nor internal, naming the host", () => {
    const raw = rawConfig("staging");
    raw.apps.api.hosts = ["api.elsewhere.example"];
    expect(problemsOf("staging", raw)).toMatch(
      /stackguard:apps\.api\.hosts\.0: host api\.elsewhere\.example is routed by the edge but is not one of edge\.domains or edge\.internalHosts/,
    );
  });

  it("accepts a host declared internal", () => {
    const raw = rawConfig("staging");
    raw.apps.api.hosts = ["api.internal.example"];
    raw.edge.internalHosts = ["api.internal.example"];
    expect(() => parseStackConfig("staging", raw)).not.toThrow();
  });

  it("checks static-site hosts too", () => {
    const raw = rawConfig("staging");
    raw.apps.frontend.hosts = ["www.unknown.example"];
    expect(problemsOf("staging", raw)).toMatch(
      /stackguard:apps\.frontend\.hosts\.0: host www\.unknown\.example is routed by the edge but is not one of edge\.domains/,
    );
  });

  it("rejects a host routed to two apps", () => {
    const raw = rawConfig("staging");
    raw.apps.frontend.hosts = ["api.staging.alphaplatform.example"];
    expect(problemsOf("staging", raw)).toMatch(/stackguard:apps\.frontend\.hosts\.0: host api\.staging\.alphaplatform\.example is already routed to app 'api'/);
  });

  it("rejects a malformed path prefix", () => {
    for (const bad of ["/v1/", "v1", "/a//b", "/a/../b", "/a?x=1"]) {
      const raw = rawConfig("staging");
      raw.apps.api.pathPrefixes = [bad];
      expect(problemsOf("staging", raw)).toMatch(/stackguard:apps\.api\.pathPrefixes\.0: /);
    }
  });

  it("rejects the same host-less prefix on two apps", () => {
    const raw = rawConfig("staging");
    raw.apps.api.hosts = [];
    raw.apps.api.pathPrefixes = ["/api"];
    raw.apps.admin = { ...raw.apps.api, pathPrefixes: ["/api"] };
    expect(problemsOf("staging", raw)).toMatch(/stackguard:apps\.admin\.pathPrefixes: any host with path prefix \/api is already routed to app 'api'/);
  });
});

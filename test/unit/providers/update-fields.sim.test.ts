import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type * as pulumi from "@pulumi/pulumi";
import { resetProviderContext } from "../../../infra/providers/context";
import { same } from "../../../infra/providers/diff";
import type { DiffSpec } from "../../../infra/providers/diff";
import { envGroupFields, provider as envGroup } from "../../../infra/providers/impl/env-group";
import { provider as envVars } from "../../../infra/providers/impl/env-vars";
import { keyValueFields, provider as keyValue } from "../../../infra/providers/impl/key-value";
import { logStreamFields, provider as logStream } from "../../../infra/providers/impl/log-stream";
import { metricStreamFields, provider as metricStream } from "../../../infra/providers/impl/metric-stream";
import { postgresFields, provider as postgres } from "../../../infra/providers/impl/postgres";
import { provider as secretFiles } from "../../../infra/providers/impl/secret-files";
import { provider as service, serviceFields } from "../../../infra/providers/impl/service";
import { providerSim, STAGING_OWNER } from "./sim-harness";

/**
 * Issue 18 item 3: every field a resource changes in place (its field table's `update` and `action` fields, derived
 * from its zod schema in infra/providers/impl/<kind>.ts), when changed, is sent to Render, reaches it, and leaves no
 * diff. Run against the real simulator behind a recording HTTP server (every request and its JSON body kept).
 *
 * Each provider's cases must name exactly its in-place fields: a new field in a schema needs a case here, and a
 * field dropped from the update list (or from the body the update call builds) fails its case, because the value
 * never reaches Render: the refreshed state still differs from the inputs.
 */

interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

/** A recording HTTP server in front of the simulator's API: forwards every request and keeps it. */
async function recordingProxy(target: string): Promise<{ url: string; requests: Recorded[]; close: () => Promise<void> }> {
  const origin = new URL(target).origin;
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        /* not JSON: kept as text */
      }
      requests.push({ method: req.method ?? "", path: (req.url ?? "").split("?")[0], body });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      fetch(`${origin}${req.url}`, { method: req.method, headers, body: raw && req.method !== "GET" ? raw : undefined, signal: AbortSignal.timeout(30_000) })
        .then(async (r) => {
          const text = await r.text();
          res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
          res.end(text);
        })
        .catch((e: Error) => {
          res.writeHead(502, { "content-type": "application/json" });
          res.end(JSON.stringify({ message: `recording proxy: ${e.message}` }));
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${new URL(target).pathname}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** One in-place field: the change applied to the inputs, and the request that must carry it. */
interface FieldCase {
  field: string;
  /** Merged into the current raw inputs (cases of one variant run in order, on one resource). */
  change: Record<string, unknown>;
  /** The request that sends it: `METHOD /path` with `:id` for any one path segment. */
  route: string;
  /** What that request's body must contain (jest `toMatchObject`); omitted: the request alone. */
  body?: unknown;
}

interface Variant {
  label: string;
  base: Record<string, unknown>;
  cases: FieldCase[];
}

interface ProviderCase {
  kind: string;
  provider: pulumi.dynamic.ResourceProvider;
  /** The provider's derived lists. */
  fields: { update: readonly string[]; action: readonly string[]; diffSpec: DiffSpec<never> };
  variants: () => Promise<Variant[]>;
  /** The live value of `field` in refreshed outputs, to compare with the wanted one (default: the same key). */
  live?: (field: string, props: Record<string, unknown>, want: Record<string, unknown>) => [unknown, unknown];
}

const sha256 = (t: string) => createHash("sha256").update(t).digest("hex");
const routeRegex = (route: string) => new RegExp(`^${route.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:id/g, "[^/]+")}$`);

describe("every in-place field is sent and leaves no diff (recording server in front of the simulator)", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let environments: string[];
  beforeAll(async () => {
    sim = await providerSim();
    proxy = await recordingProxy(sim.sim.apiUrl);
    process.env.RENDER_API_URL = proxy.url;
    resetProviderContext();
    const prj = await sim.api.post("/projects", { name: "fields", ownerId: STAGING_OWNER, environments: [{ name: "one" }, { name: "two" }] });
    environments = prj.body.environmentIds;
  });
  afterAll(async () => {
    await proxy.close();
    await sim.done();
  });

  const checked = async (p: pulumi.dynamic.ResourceProvider, raw: Record<string, unknown>) => {
    const r = await p.check!({}, raw);
    expect(r.failures).toEqual([]);
    return r.inputs as Record<string, unknown>;
  };
  let serviceSeq = 0;
  /** A plain service to hang env vars and secret files on. */
  const aService = async () =>
    (
      await service.create(
        await checked(service, { name: `fields-host-${++serviceSeq}`, ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/api:1.0.0" }),
      )
    ).id;

  const cases: ProviderCase[] = [
    {
      kind: "Service",
      provider: service,
      fields: serviceFields as never,
      variants: async () => [
        {
          label: "web service from an image",
          base: {
            name: "f-web",
            ownerId: STAGING_OWNER,
            type: "web_service",
            image: "docker.io/acme/api:1.0.0",
            healthCheckPath: "/healthz",
            plan: "starter",
            numInstances: 1,
          },
          cases: [
            { field: "name", change: { name: "f-web-2" }, route: "PATCH /v1/services/:id", body: { name: "f-web-2" } },
            { field: "plan", change: { plan: "standard" }, route: "PATCH /v1/services/:id", body: { serviceDetails: { plan: "standard" } } },
            {
              field: "image",
              change: { image: "docker.io/acme/api:2.0.0" },
              route: "PATCH /v1/services/:id",
              body: { image: { imagePath: "docker.io/acme/api:2.0.0" } },
            },
            {
              field: "healthCheckPath",
              change: { healthCheckPath: "/ready" },
              route: "PATCH /v1/services/:id",
              body: { serviceDetails: { healthCheckPath: "/ready" } },
            },
            {
              field: "startCommand",
              change: { startCommand: "node server.js" },
              route: "PATCH /v1/services/:id",
              body: { serviceDetails: { envSpecificDetails: { dockerCommand: "node server.js" } } },
            },
            {
              field: "preDeployCommand",
              change: { preDeployCommand: "npm run migrate" },
              route: "PATCH /v1/services/:id",
              body: { serviceDetails: { preDeployCommand: "npm run migrate" } },
            },
            {
              field: "maxShutdownDelaySeconds",
              change: { maxShutdownDelaySeconds: 90 },
              route: "PATCH /v1/services/:id",
              body: { serviceDetails: { maxShutdownDelaySeconds: 90 } },
            },
            { field: "autoDeploy", change: { autoDeploy: false }, route: "PATCH /v1/services/:id", body: { autoDeploy: "no" } },
            { field: "numInstances", change: { numInstances: 3 }, route: "POST /v1/services/:id/scale", body: { numInstances: 3 } },
            {
              field: "autoscaling",
              change: { autoscaling: { min: 2, max: 4, cpuPercent: 60 } },
              route: "PUT /v1/services/:id/autoscaling",
              body: { enabled: true, min: 2, max: 4, criteria: { cpu: { enabled: true, percentage: 60 } } },
            },
            { field: "environmentId", change: { environmentId: environments[0] }, route: `POST /v1/environments/${environments[0]}/resources` },
            { field: "environmentId", change: { environmentId: environments[1] }, route: `POST /v1/environments/${environments[1]}/resources` },
            { field: "suspended", change: { suspended: true }, route: "POST /v1/services/:id/suspend" },
          ],
        },
        {
          label: "background worker from a repo (native runtime)",
          base: {
            name: "f-worker",
            ownerId: STAGING_OWNER,
            type: "background_worker",
            repo: "https://github.com/acme/worker",
            runtime: "node",
            startCommand: "node w.js",
          },
          cases: [
            {
              field: "repo",
              change: { repo: "https://github.com/acme/worker-2" },
              route: "PATCH /v1/services/:id",
              body: { repo: "https://github.com/acme/worker-2" },
            },
            { field: "branch", change: { branch: "release" }, route: "PATCH /v1/services/:id", body: { branch: "release" } },
            {
              field: "buildCommand",
              change: { buildCommand: "npm ci && npm run build" },
              route: "PATCH /v1/services/:id",
              body: { serviceDetails: { envSpecificDetails: { buildCommand: "npm ci && npm run build" } } },
            },
            {
              field: "startCommand",
              change: { startCommand: "node worker.js" },
              route: "PATCH /v1/services/:id",
              body: { serviceDetails: { envSpecificDetails: { startCommand: "node worker.js" } } },
            },
            { field: "rootDir", change: { rootDir: "svc" }, route: "PATCH /v1/services/:id", body: { rootDir: "svc" } },
            {
              field: "buildFilter",
              change: { buildFilter: { paths: ["src/**"], ignoredPaths: ["docs/**"] } },
              route: "PATCH /v1/services/:id",
              body: { buildFilter: { paths: ["src/**"], ignoredPaths: ["docs/**"] } },
            },
            // Removed from the program: Render must be told (an unsent removal is a diff that never clears).
            { field: "rootDir", change: { rootDir: undefined }, route: "PATCH /v1/services/:id", body: { rootDir: "" } },
            {
              field: "buildFilter",
              change: { buildFilter: undefined },
              route: "PATCH /v1/services/:id",
              body: { buildFilter: { paths: [], ignoredPaths: [] } },
            },
          ],
        },
        {
          label: "static site",
          base: {
            name: "f-site",
            ownerId: STAGING_OWNER,
            type: "static_site",
            repo: "https://github.com/acme/site",
            buildCommand: "npm run build",
            publishPath: "dist",
          },
          cases: [
            { field: "publishPath", change: { publishPath: "out" }, route: "PATCH /v1/services/:id", body: { serviceDetails: { publishPath: "out" } } },
            {
              field: "buildCommand",
              change: { buildCommand: "make site" },
              route: "PATCH /v1/services/:id",
              body: { serviceDetails: { buildCommand: "make site" } },
            },
          ],
        },
        {
          label: "cron job",
          base: {
            name: "f-cron",
            ownerId: STAGING_OWNER,
            type: "cron_job",
            image: "docker.io/acme/ops:1.0.0",
            startCommand: "npm run nightly",
            schedule: "0 3 * * *",
            plan: "starter",
          },
          cases: [
            {
              field: "schedule",
              change: { schedule: "30 4 * * 1-5" },
              route: "PATCH /v1/services/:id",
              body: { serviceDetails: { schedule: "30 4 * * 1-5" } },
            },
          ],
        },
      ],
    },
    {
      kind: "KeyValue",
      provider: keyValue,
      fields: keyValueFields as never,
      variants: async () => [
        {
          label: "instance",
          base: { name: "f-kv", ownerId: STAGING_OWNER, plan: "starter" },
          cases: [
            { field: "name", change: { name: "f-kv-2" }, route: "PATCH /v1/key-value/:id", body: { name: "f-kv-2" } },
            { field: "plan", change: { plan: "standard" }, route: "PATCH /v1/key-value/:id", body: { plan: "standard" } },
            {
              field: "maxmemoryPolicy",
              change: { maxmemoryPolicy: "volatile_ttl" },
              route: "PATCH /v1/key-value/:id",
              body: { maxmemoryPolicy: "volatile_ttl" },
            },
            {
              field: "ipAllowList",
              change: { ipAllowList: [{ cidrBlock: "10.0.0.0/8", description: "vpn" }] },
              route: "PATCH /v1/key-value/:id",
              body: { ipAllowList: [{ cidrBlock: "10.0.0.0/8", description: "vpn" }] },
            },
            { field: "environmentId", change: { environmentId: environments[0] }, route: `POST /v1/environments/${environments[0]}/resources` },
          ],
        },
      ],
    },
    {
      kind: "Postgres",
      provider: postgres,
      fields: postgresFields as never,
      variants: async () => [
        {
          label: "instance",
          base: { name: "f-db", ownerId: STAGING_OWNER, plan: "basic_1gb", version: "16", diskSizeGB: 10 },
          cases: [
            { field: "name", change: { name: "f-db-2" }, route: "PATCH /v1/postgres/:id", body: { name: "f-db-2" } },
            { field: "plan", change: { plan: "pro_4gb" }, route: "PATCH /v1/postgres/:id", body: { plan: "pro_4gb" } },
            { field: "highAvailability", change: { highAvailability: true }, route: "PATCH /v1/postgres/:id", body: { enableHighAvailability: true } },
            { field: "diskSizeGB", change: { diskSizeGB: 20 }, route: "PATCH /v1/postgres/:id", body: { diskSizeGB: 20 } },
            { field: "readReplicas", change: { readReplicas: ["ro-1"] }, route: "PATCH /v1/postgres/:id", body: { readReplicas: [{ name: "ro-1" }] } },
            {
              field: "ipAllowList",
              change: { ipAllowList: [{ cidrBlock: "192.168.0.0/16", description: "office" }] },
              route: "PATCH /v1/postgres/:id",
              body: { ipAllowList: [{ cidrBlock: "192.168.0.0/16" }] },
            },
          ],
        },
      ],
    },
    {
      kind: "EnvGroup",
      provider: envGroup,
      fields: envGroupFields as never,
      variants: async () => [
        {
          label: "group",
          base: { name: "f-group", ownerId: STAGING_OWNER, envVars: { A: "1" }, secretFiles: {} },
          cases: [
            { field: "name", change: { name: "f-group-2" }, route: "PATCH /v1/env-groups/:id", body: { name: "f-group-2" } },
            { field: "envVars", change: { envVars: { A: "2" } }, route: "PUT /v1/env-groups/:id/env-vars/A", body: { value: "2" } },
            {
              field: "secretFiles",
              change: { secretFiles: { "tls.pem": "canary-pem" } },
              route: "PUT /v1/env-groups/:id/secret-files/tls.pem",
              body: { content: "canary-pem" },
            },
          ],
        },
      ],
    },
    {
      kind: "EnvVars",
      provider: envVars,
      fields: (envVars as unknown as { fields: ProviderCase["fields"] }).fields,
      variants: async () => [
        {
          label: "list",
          base: { serviceId: await aService(), values: { A: "1" } },
          cases: [
            {
              field: "values",
              change: { values: { A: "2", B: "3" } },
              route: "PUT /v1/services/:id/env-vars",
              body: expect.arrayContaining([
                { key: "A", value: "2" },
                { key: "B", value: "3" },
              ]),
            },
            { field: "unmanagedKeys", change: { unmanagedKeys: ["ACTIVE_SLOT"] }, route: "PUT /v1/services/:id/env-vars" },
          ],
        },
      ],
    },
    {
      kind: "SecretFiles",
      provider: secretFiles,
      fields: (secretFiles as unknown as { fields: ProviderCase["fields"] }).fields,
      variants: async () => [
        {
          label: "list",
          base: { serviceId: await aService(), files: { "a.txt": "1" } },
          cases: [
            { field: "files", change: { files: { "a.txt": "2" } }, route: "PUT /v1/services/:id/secret-files", body: [{ name: "a.txt", content: "2" }] },
            { field: "unmanagedKeys", change: { unmanagedKeys: ["other.txt"] }, route: "PUT /v1/services/:id/secret-files" },
          ],
        },
      ],
    },
    {
      kind: "LogStream",
      provider: logStream,
      fields: logStreamFields as never,
      live: (field, props, want) => (field === "token" ? [props.tokenHash, sha256(want.token as string)] : [props[field], want[field]]),
      variants: async () => [
        {
          label: "workspace stream",
          base: { ownerId: STAGING_OWNER, endpoint: "logs.example.com:6514", token: "canary-log-token-1" },
          cases: [
            {
              field: "endpoint",
              change: { endpoint: "logs2.example.com:6514" },
              route: "PUT /v1/logs/streams/owner/:id",
              body: { endpoint: "logs2.example.com:6514" },
            },
            { field: "token", change: { token: "canary-log-token-2" }, route: "PUT /v1/logs/streams/owner/:id", body: { token: "canary-log-token-2" } },
            { field: "preview", change: { preview: "send" }, route: "PUT /v1/logs/streams/owner/:id", body: { preview: "send" } },
          ],
        },
      ],
    },
    {
      kind: "MetricStream",
      provider: metricStream,
      fields: metricStreamFields as never,
      live: (field, props, want) => (field === "token" ? [props.tokenHash, sha256(want.token as string)] : [props[field], want[field]]),
      variants: async () => [
        {
          label: "workspace stream",
          base: { ownerId: STAGING_OWNER, url: "https://otel.example.com", token: "canary-metric-token-0001" },
          cases: [
            { field: "provider", change: { provider: "GRAFANA" }, route: "PUT /v1/metrics-stream/:id", body: { provider: "GRAFANA" } },
            { field: "url", change: { url: "https://otel2.example.com" }, route: "PUT /v1/metrics-stream/:id", body: { url: "https://otel2.example.com" } },
            { field: "token", change: { token: "canary-metric-token-0002" }, route: "PUT /v1/metrics-stream/:id", body: { token: "canary-metric-token-0002" } },
          ],
        },
      ],
    },
  ];

  it.each(cases.map((c) => [c.kind, c] as const))("%s: the cases name exactly the in-place fields of its field table", async (_kind, c) => {
    const covered = new Set((await c.variants()).flatMap((v) => v.cases.map((x) => x.field)));
    expect([...covered].sort()).toEqual([...c.fields.update, ...c.fields.action].sort());
  });

  it.each(cases.map((c) => [c.kind, c] as const))(
    "%s: each in-place field, changed, is sent, reaches Render, and the refreshed diff is empty",
    async (_kind, c) => {
      const norm = c.fields.diffSpec.normalize ?? ((_f: string, v: unknown) => v);
      const problems: string[] = [];
      for (const v of await c.variants()) {
        let raw = { ...v.base };
        const created = await c.provider.create(await checked(c.provider, raw));
        const id = created.id;
        let outs = created.outs as Record<string, unknown>;
        for (const fc of v.cases) {
          const label = `${c.kind} (${v.label}) ${fc.field}`;
          raw = { ...raw, ...fc.change };
          const news = await checked(c.provider, raw);
          const diff = await c.provider.diff!(id, outs, news);
          if (!diff.changes) problems.push(`${label}: the diff shows no change`);
          if (diff.replaces?.length) problems.push(`${label}: the diff replaces ${diff.replaces.join(", ")}`);
          proxy.requests.length = 0;
          const upd = await c.provider.update!(id, outs, news);
          const sent = proxy.requests.filter((r) => routeRegex(fc.route).test(`${r.method} ${r.path}`));
          if (sent.length === 0)
            problems.push(`${label}: no ${fc.route} was sent (sent: ${proxy.requests.map((r) => `${r.method} ${r.path}`).join(", ") || "nothing"})`);
          else if (fc.body !== undefined) {
            try {
              expect(sent[sent.length - 1].body).toMatchObject(fc.body as object);
            } catch {
              problems.push(`${label}: ${fc.route} did not carry it: ${JSON.stringify(sent[sent.length - 1].body)}`);
            }
          }
          // Refresh: what Render now holds must be what was asked, and leave no diff.
          const read = await c.provider.read!(id, upd.outs);
          const props = read.props as Record<string, unknown>;
          const [live, want] = c.live ? c.live(fc.field, props, news) : [props[fc.field], news[fc.field]];
          if (!same(norm(fc.field as never, live, props as never), norm(fc.field as never, want, news as never))) {
            problems.push(`${label}: Render holds ${JSON.stringify(live)}, the inputs say ${JSON.stringify(want)}`);
          }
          if ((await c.provider.diff!(id, props, news)).changes) problems.push(`${label}: the diff after update and refresh is not empty`);
          outs = props;
        }
        await c.provider.delete!(id, outs);
      }
      expect(problems).toEqual([]);
    },
  );
});

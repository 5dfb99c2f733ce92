import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ALPHASTACK_ENGINE_ID } from "../infra/alphastack/identity";
import { StackConfig } from "../infra/config/schema";
import { BlueGreenApp } from "../infra/components/blue-green-app";
import { edgeRoutes } from "../infra/config/routing";
import { EDGE_STATE_KV_SUFFIX } from "../infra/config/edge-state";
import { AlertRule, CustomDomain, EnvGroup, EnvGroupLink, EnvVars, FeatureFlag, KeyValue, LogStream, MetricStream, Postgres, Service } from "../infra/providers";
import { PRODUCTION_OWNER_ID } from "../infra/providers/context";
import { defaultRules, PRODUCTION_TARGETS, targetsFromStackConfig } from "../infra/alerts/defaults";
import { alphaStackOutputs, referenceAlphaStack } from "./alphastack";
import type { StackSecrets } from "./read-config";

/** The edge router's image: the simulator runs `stackguard/<app>` images as the project's own `apps/<app>`. */
export const EDGE_IMAGE = "stackguard/edge:0.1.0";
/** The guardian (apps/guardian): a background worker watching the stack against the alert rules. */
export const GUARDIAN_IMAGE = "stackguard/guardian:0.1.0";

/** What `stacks/index.ts` exports. */
export interface Platform {
  edgeUrl: pulumi.Output<string | undefined>;
  /** The edge admin token (secret): what `npm run rollback` and `npm run flag` authenticate with. */
  edgeAdminToken: pulumi.Output<string>;
  apps: pulumi.Output<Record<string, unknown>>;
  /** The database the apps use: the declared one, or after `npm run db:restore` the recovered one (with its source). */
  database: pulumi.Output<{ id: string; status: string; restoredFrom?: string; restoreTime?: string }>;
  alphaStack: pulumi.Output<unknown>;
}

/** True for `http://127.0.0.1:…`/`localhost`: only the simulator gives a service such a URL, never Render. */
function isLoopbackUrl(u: string | undefined): boolean {
  try {
    return !!u && ["127.0.0.1", "localhost", "[::1]"].includes(new URL(u).hostname);
  } catch {
    return false;
  }
}

/**
 * How the edge reaches a slot. On Render: the private network (`http://<slug>:10000`). On the simulator each
 * service answers on its own loopback URL, which it reports as the service's `url`: used whenever the URL is a
 * loopback one, so that the simulator also works when it is addressed as a real Render (RENDER_API_URL set, as the
 * workflows run against it in test/integration/workflows.test.ts), where no `<slug>` host name resolves.
 */
/**
 * On the embedded Render, the key of the guardian's own seeded user (a Viewer), passed by the setup
 * (tools/scripts/lib/pulumi-env.js); never the operator's key the program itself runs with.
 */
function embeddedGuardianKey(): pulumi.Output<string> | undefined {
  const key = process.env.STACKGUARD_EMBEDDED === "1" ? process.env.STACKGUARD_EMBEDDED_GUARDIAN_API_KEY : undefined;
  return key ? pulumi.secret(key) : undefined;
}

function upstreamOf(service: Service): pulumi.Output<string> {
  return pulumi.all([service.url, service.slug]).apply(([url, slug]) =>
    process.env.STACKGUARD_EMBEDDED === "1" || isLoopbackUrl(url) ? url ?? "" : `http://${slug}:10000`);
}

/** Builds one environment: database, shared env, apps (blue/green behind the edge), and AlphaStack read-only. */
export function buildPlatform(config: StackConfig, secrets: StackSecrets = {}): Platform {
  // `config` carries the defaults of infra/config/defaults.ts already (instances, autoDeploy, shutdown delays…).
  const env = config.environment;
  const owner = { ownerId: config.render.ownerId, region: config.render.region };

  const db = new Postgres("database", {
    name: config.database.name,
    ownerId: owner.ownerId,
    region: owner.region,
    plan: config.database.plan,
    version: config.database.version,
    highAvailability: config.database.highAvailability,
  });

  // After `npm run db:restore`, the apps use the recovered database. It is read, not managed: its outputs (the
  // connection string) are known at preview, so the reviewed plan holds the very DATABASE_URL the up writes, and
  // nothing this program does can delete it. The declared `database` stays as it was.
  const restore = config.database.restore;
  const activeDb = restore
    ? new Postgres(`database-${restore.id}`, {
      name: restore.name, ownerId: owner.ownerId, region: owner.region, plan: config.database.plan, version: config.database.version,
    }, { id: restore.id })
    : db;

  const shared = new EnvGroup("shared-env", {
    name: `platform-shared-${env}`,
    ownerId: owner.ownerId,
    envVars: {
      STACKGUARD_ENVIRONMENT: pulumi.secret(env),
      DATABASE_URL: activeDb.connectionInfo.apply((c) => c.internalConnectionString),
    },
  });

  const blueGreen: Record<string, BlueGreenApp> = {};
  const others: Record<string, Service> = {};
  for (const [name, app] of Object.entries(config.apps)) {
    if (app.kind === "blueGreen") {
      blueGreen[name] = new BlueGreenApp(name, { app, ...owner, envGroupIds: [shared.id] });
    } else if (app.kind === "worker") {
      const worker = new Service(name, {
        name, ...owner, type: "background_worker", plan: app.plan, numInstances: app.instances, autoscaling: app.autoscaling,
        image: `${app.image}:${app.version}`, autoDeploy: app.autoDeploy, preDeployCommand: app.preDeployCommand,
      });
      new EnvGroupLink(`${name}-env`, { envGroupId: shared.id, serviceId: worker.id });
      others[name] = worker;
    } else {
      others[name] = new Service(name, {
        name, ownerId: owner.ownerId, type: "static_site", repo: app.repo, branch: app.branch,
        buildCommand: app.buildCommand, publishPath: app.publishPath, autoDeploy: app.autoDeploy,
        rootDir: app.rootDir, buildFilter: app.buildFilter, repoCheckout: app.checkout,
      });
    }
  }

  // The edge holds every custom domain and routes each host to its app's active slot.
  const adminToken = new random.RandomPassword("edge-admin-token", { length: 48, special: false });
  // The edge's shared state (active slots, flags, kill switches, alert rules) lives in a Key Value instance of its
  // own, reached over the private network: the edge holds no Render API key (a key can change the whole workspace,
  // AlphaStack included). `noeviction`: a full instance refuses writes rather than silently dropping a kill switch
  // (the pack's edge-state-key-value rule). apps/edge/README.md, "Shared state".
  const edgeState = new KeyValue("edge-state", {
    name: `platform-${env}${EDGE_STATE_KV_SUFFIX}`, ownerId: owner.ownerId, region: owner.region,
    plan: config.edge.statePlan, maxmemoryPolicy: "noeviction", ipAllowList: [],
  });
  const edge = new Service("edge", {
    name: `edge-${env}`, ...owner, type: "web_service", plan: config.edge.plan, numInstances: config.edge.instances,
    autoscaling: config.edge.autoscaling, image: EDGE_IMAGE, healthCheckPath: config.edge.healthCheckPath,
    autoDeploy: config.edge.autoDeploy, maxShutdownDelaySeconds: config.edge.maxShutdownDelaySeconds,
  });
  // Routes come from the validated routing table (infra/config/routing.ts). A static site routed by the edge is an
  // "app" whose two slots are the same site: it has no blue/green, only the edge's certificate and domain.
  const routes = edgeRoutes(config.apps);
  const routed = new Set(routes.map((r) => r.app));
  const vitalsOnly = Object.entries(config.apps).filter(([name, app]) => app.kind === "static" && !routed.has(name)).map(([name]) => name);
  const edgeApps = pulumi.all([
    ...Object.entries(blueGreen).map(([name, bg]) =>
      pulumi.all([upstreamOf(bg.slots.blue), upstreamOf(bg.slots.green)]).apply(([blue, green]) => [name, { blue, green, healthPath: (config.apps[name] as { healthCheckPath: string }).healthCheckPath }] as const),
    ),
    ...Object.entries(others).filter(([name]) => routed.has(name) && config.apps[name].kind === "static").map(([name, site]) =>
      site.url.apply((u) => [name, { blue: u ?? "", green: u ?? "", healthPath: "/" }] as const),
    ),
  ]).apply((entries) => JSON.stringify(Object.fromEntries(entries)));
  if (new pulumi.Config("stackguard").get("edgeRenderApiKey") !== undefined) {
    pulumi.log.warn("stackguard:edgeRenderApiKey is no longer used (the edge keeps its state in Key Value and holds no Render key): remove it with `pulumi config rm stackguard:edgeRenderApiKey` and delete that key in Render.");
  }
  const edgeEnv = new EnvVars("edge-env", {
    serviceId: edge.id,
    values: {
      EDGE_APPS: pulumi.secret(edgeApps),
      EDGE_ROUTES: pulumi.secret(JSON.stringify(routes)),
      EDGE_ADMIN_TOKEN: adminToken.result,
      // Secret: on Render the internal string carries no password, but under the simulator it is a loopback URL.
      EDGE_KEY_VALUE_URL: edgeState.connectionInfo.apply((c) => c.internalConnectionString),
      // Static sites the edge does not route still send their web vitals to it; beacons for any other name are refused.
      ...(vitalsOnly.length ? { EDGE_VITALS_APPS: pulumi.secret(vitalsOnly.join(",")) } : {}),
      // The shutdown delays above are derived from these two; setting them here keeps the edge and Render in step.
      EDGE_DRAIN_TIMEOUT_MS: pulumi.secret(String(config.edge.drainTimeoutMs)),
      EDGE_SHUTDOWN_GRACE_MS: pulumi.secret(String(config.edge.shutdownGraceMs)),
    },
    // The starting point an edge of an older version persisted here; the edge seeds an empty Key Value from it.
    unmanagedKeys: ["EDGE_ACTIVE"],
  });
  // AlphaStack's engine, read-only: its health URL is what the guardian watches and every promotion is guarded by.
  const alpha = referenceAlphaStack(config);
  const engineIndex = config.alphaStack.services.indexOf(ALPHASTACK_ENGINE_ID);
  const engine = engineIndex >= 0 ? alpha.services[engineIndex] : undefined;
  const alphaHealthUrl = engine ? pulumi.all([engine.url, engine.healthCheckPath]).apply(([u, p]) => (u ? `${u.replace(/\/+$/, "")}${p || "/"}` : "")) : undefined;
  // Promotions go through the edge, so each app's switch waits for the edge to route it; a promotion that degrades
  // AlphaStack's engine (a shared dependency overloaded) switches back although the app itself looks healthy.
  const guards = alphaHealthUrl ? alphaHealthUrl.apply((url) => (url ? [{ name: "AlphaStack engine", url }] : [])) : [];
  for (const bg of Object.values(blueGreen)) bg.connectEdge({ url: edge.url.apply((u) => u ?? ""), adminToken: adminToken.result, dependsOn: [edge, edgeEnv] }, guards);
  for (const domain of config.edge.domains) new CustomDomain(`edge-domain-${domain}`, { serviceId: edge.id, name: domain });

  // The guardian: one instance (two would notify twice), reading rules and metrics from the edge with its token.
  // In its own workspace it holds no Render API key (a key can change the whole workspace): Render pushes CPU and
  // memory to it through the workspace's metrics stream (OTLP/HTTP, Bearer token), so it is a web service Render
  // can reach, and AlphaStack's health URL is read here by the program. In AlphaStack's workspace a metrics stream
  // is workspace-wide, so AlphaStack's to set: there it stays a worker with a read-only key
  // (`stackguard:guardianRenderApiKey`; on the embedded Render its seeded Viewer user's), see docs/pipeline.md.
  const cfg = new pulumi.Config("stackguard");
  const pushed = config.render.ownerId !== PRODUCTION_OWNER_ID;
  const guardianKey = pushed ? undefined : cfg.getSecret("guardianRenderApiKey") ?? embeddedGuardianKey();
  const webhook = cfg.getSecret("alertWebhookUrl");
  const guardian = new Service("guardian", {
    name: `guardian-${env}`, ...owner, plan: "starter", numInstances: 1, image: GUARDIAN_IMAGE, autoDeploy: false,
    ...(pushed ? { type: "web_service" as const, healthCheckPath: "/healthz" } : { type: "background_worker" as const }),
  });
  const otlpToken = pushed ? new random.RandomPassword("guardian-otlp-token", { length: 48, special: false }) : undefined;
  const serviceName = (n: string) => (n === "edge" ? `edge-${env}` : n);
  const serviceIds = pulumi.all([
    ...Object.entries(blueGreen).flatMap(([n, bg]) => [pulumi.all([`${n}-blue`, bg.slots.blue.id]), pulumi.all([`${n}-green`, bg.slots.green.id])]),
    ...Object.entries(others).map(([n, svc]) => pulumi.all([n, svc.id])),
    pulumi.all([serviceName("edge"), edge.id]),
  ]).apply((pairs) => JSON.stringify(Object.fromEntries(pairs)));
  new EnvVars("guardian-env", {
    serviceId: guardian.id,
    values: {
      EDGE_URL: pulumi.secret(edge.url.apply((u) => u ?? "")),
      EDGE_ADMIN_TOKEN: adminToken.result,
      EDGE_SERVICE_ID: pulumi.secret(edge.id),
      GUARDIAN_SERVICES: pulumi.secret(serviceIds),
      STACKGUARD_ENVIRONMENT: pulumi.secret(env),
      ...(otlpToken ? { GUARDIAN_OTLP_TOKEN: otlpToken.result } : {}),
      ...(guardianKey ? { RENDER_API_KEY: guardianKey, RENDER_API_URL: pulumi.secret(process.env.RENDER_API_URL ?? "https://api.render.com/v1") } : {}),
      ...(alphaHealthUrl ? { ALPHASTACK_HEALTH_URL: pulumi.secret(alphaHealthUrl) } : {}),
      ...(webhook ? { ALERT_WEBHOOK_URL: webhook } : {}),
    },
  }, { dependsOn: [edgeEnv] });
  // The workspace's metrics stream to the guardian (not in AlphaStack's workspace: see above).
  if (otlpToken) {
    new MetricStream("metrics-stream", { ownerId: config.render.ownerId, provider: "CUSTOM", url: guardian.url.apply((u) => u ?? ""), token: otlpToken.result }, { dependsOn: [guardian] });
  }
  // The workspace's log stream, when the stack names a collector: Render sends every service's logs there over TLS
  // (the apps' own redaction applies first; the token is a secret config value, encrypted in state).
  if (config.logStream && secrets.logStreamToken) {
    new LogStream("log-stream", { ownerId: config.render.ownerId, endpoint: config.logStream.endpoint, token: secrets.logStreamToken, preview: config.logStream.preview });
  }
  // The default alert rules and flags, stored on the edge through its admin API. The token goes to their providers
  // as a secret input (encrypted in state), so every `up`, `preview` and `refresh` manages them with no extra step.
  const edgeUrl = edge.url.apply((u) => u ?? "");
  const edgeAdmin = { edgeUrl, adminToken: adminToken.result };
  const targets = targetsFromStackConfig(config, { runbookBaseUrl: PRODUCTION_TARGETS.runbookBaseUrl, serviceName });
  for (const rule of defaultRules(env, targets)) new AlertRule(`alert-${rule.name}`, { rule, ...edgeAdmin }, { dependsOn: [edge, edgeEnv] });
  const meta = { owner: "team-platform", createdAt: "2026-11-27" };
  new FeatureFlag("flag-trading-enabled", {
    key: "trading-enabled", ...edgeAdmin,
    definition: { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on", metadata: { ...meta, kind: "kill-switch", description: "orders may be placed; off stops new orders at once" } },
  }, { dependsOn: [edge, edgeEnv] });
  new FeatureFlag("flag-new-order-form", {
    key: "new-order-form", ...edgeAdmin,
    definition: {
      state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off",
      targeting: { fractional: [["on", env === "production" ? 10 : 100], ["off", env === "production" ? 90 : 0]] },
      metadata: { ...meta, kind: "release", description: "the new order form, rolled out by share of users" },
    },
  }, { dependsOn: [edge, edgeEnv] });

  return {
    edgeUrl: edge.url,
    edgeAdminToken: pulumi.secret(adminToken.result),
    apps: pulumi.output({
      ...Object.fromEntries(Object.entries(blueGreen).map(([n, bg]) => [n, {
        blue: bg.slots.blue.id, green: bg.slots.green.id,
        activeSlot: bg.trafficSwitch!.activeSlot, versions: bg.trafficSwitch!.versions, lastPromotion: bg.trafficSwitch!.lastPromotion,
      }])),
      ...Object.fromEntries(Object.entries(others).map(([n, s]) => [n, { id: s.id, url: s.url }])),
    }),
    database: pulumi.all([activeDb.id, activeDb.status]).apply(([id, status]) => ({ id, status, ...(restore ? { restoredFrom: restore.sourceId, restoreTime: restore.restoreTime } : {}) })),
    alphaStack: alphaStackOutputs(alpha),
  };
}

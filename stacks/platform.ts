import * as pulumi from "@pulumi/pulumi";
import { ALPHASTACK_ENGINE_ID } from "../infra/alphastack/identity";
import { StackConfig } from "../infra/config/schema";
import { BlueGreenApp, type BlueGreenAppArgs } from "../infra/components/blue-green-app";
import { EdgeRouter, type EdgeRouting, type EdgeUpstreams } from "../infra/components/edge-router";
import { FlagsAndRules } from "../infra/components/flags-and-rules";
import { Guardian } from "../infra/components/guardian";
import { edgeRoutes } from "../infra/config/routing";
import { EnvGroup, EnvGroupLink, LogStream, Postgres, Service } from "../infra/providers";
import { PRODUCTION_OWNER_ID } from "../infra/providers/context";
import { PRODUCTION_TARGETS, targetsFromStackConfig } from "../infra/alerts/defaults";
import { alphaStackOutputs, referenceAlphaStack } from "./alphastack";
import type { StackSecrets } from "./read-config";
import type { RuntimeMode } from "./runtime-mode";

export { EDGE_IMAGE } from "../infra/components/edge-router";
export { GUARDIAN_IMAGE } from "../infra/components/guardian";

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
function upstreamOf(service: Service, mode: RuntimeMode): pulumi.Output<string> {
  return pulumi.all([service.url, service.slug]).apply(([url, slug]) => (mode.embedded || isLoopbackUrl(url) ? (url ?? "") : `http://${slug}:10000`));
}

/** Builds one environment: database, shared env, the edge, apps (blue/green behind it), guardian, flags and rules. */
export function buildPlatform(config: StackConfig, secrets: StackSecrets, mode: RuntimeMode): Platform {
  // `config` carries the defaults of infra/config/defaults.ts already (instances, autoDeploy, shutdown delays…).
  const env = config.environment;
  const owner = { ownerId: config.render.ownerId, region: config.render.region };
  const { activeDb, restore } = database(config);

  const shared = new EnvGroup("shared-env", {
    name: `platform-shared-${env}`,
    ownerId: owner.ownerId,
    envVars: {
      STACKGUARD_ENVIRONMENT: pulumi.secret(env),
      DATABASE_URL: activeDb.connectionInfo.apply((c) => c.internalConnectionString),
    },
  });

  // AlphaStack's engine, read-only: its health URL is what the guardian watches and every promotion is guarded by
  // (a promotion that degrades the engine, a shared dependency overloaded, switches back although the app looks healthy).
  const alpha = referenceAlphaStack(config);
  const engineIndex = config.alphaStack.services.indexOf(ALPHASTACK_ENGINE_ID);
  const engine = engineIndex >= 0 ? alpha.services[engineIndex] : undefined;
  const alphaHealthUrl = engine
    ? pulumi.all([engine.url, engine.healthCheckPath]).apply(([u, p]) => (u ? `${u.replace(/\/+$/, "")}${p || "/"}` : ""))
    : undefined;
  const guards = alphaHealthUrl ? alphaHealthUrl.apply((url) => (url ? [{ name: "AlphaStack engine", url }] : [])) : [];

  // The edge holds every custom domain and routes each host to its app's active slot.
  const edge = new EdgeRouter("edge", { environment: env, ...owner, edge: config.edge });
  const { blueGreen, others } = buildApps(config, { ...owner, sharedEnvId: shared.id, edge: edge.connection, guards });
  edge.route(routing(config, blueGreen, others, mode));

  // The guardian holds no Render key in its own workspace (Render pushes metrics to it); in AlphaStack's it reads
  // with a Viewer key (stack config; on the embedded Render its seeded user's). infra/components/guardian.ts.
  const pushedMetrics = config.render.ownerId !== PRODUCTION_OWNER_ID;
  const serviceName = (n: string) => (n === "edge" ? edge.serviceName : n);
  const guardianKey = secrets.guardianRenderApiKey ?? (mode.embeddedGuardianKey ? pulumi.secret(mode.embeddedGuardianKey) : undefined);
  new Guardian("guardian", {
    environment: env,
    ...owner,
    edge,
    pushedMetrics,
    renderApiUrl: mode.renderApiUrl,
    ...(pushedMetrics || !guardianKey ? {} : { renderApiKey: guardianKey }),
    ...(alphaHealthUrl ? { alphaStackHealthUrl: alphaHealthUrl } : {}),
    ...(secrets.alertWebhookUrl ? { webhookUrl: secrets.alertWebhookUrl } : {}),
    services: pulumi
      .all([
        ...Object.entries(blueGreen).flatMap(([n, bg]) => [pulumi.all([`${n}-blue`, bg.slots.blue.id]), pulumi.all([`${n}-green`, bg.slots.green.id])]),
        ...Object.entries(others).map(([n, svc]) => pulumi.all([n, svc.id])),
        pulumi.all([edge.serviceName, edge.service.id]),
      ])
      .apply((pairs) => Object.fromEntries(pairs)),
  });
  // The workspace's log stream, when the stack names a collector: Render sends every service's logs there over TLS
  // (the apps' own redaction applies first; the token is a secret config value, encrypted in state).
  if (config.logStream && secrets.logStreamToken) {
    new LogStream("log-stream", {
      ownerId: config.render.ownerId,
      endpoint: config.logStream.endpoint,
      token: secrets.logStreamToken,
      preview: config.logStream.preview,
    });
  }
  new FlagsAndRules("flags-and-rules", {
    environment: env,
    flags: config.flags,
    edge,
    targets: targetsFromStackConfig(config, { runbookBaseUrl: PRODUCTION_TARGETS.runbookBaseUrl, serviceName }),
  });

  return {
    edgeUrl: edge.service.url,
    edgeAdminToken: pulumi.secret(edge.connection.adminToken),
    apps: pulumi.output({
      ...Object.fromEntries(
        Object.entries(blueGreen).map(([n, bg]) => [
          n,
          {
            blue: bg.slots.blue.id,
            green: bg.slots.green.id,
            activeSlot: bg.trafficSwitch.activeSlot,
            versions: bg.trafficSwitch.versions,
            lastPromotion: bg.trafficSwitch.lastPromotion,
          },
        ]),
      ),
      ...Object.fromEntries(Object.entries(others).map(([n, s]) => [n, { id: s.id, url: s.url }])),
    }),
    database: pulumi
      .all([activeDb.id, activeDb.status])
      .apply(([id, status]) => ({ id, status, ...(restore ? { restoredFrom: restore.sourceId, restoreTime: restore.restoreTime } : {}) })),
    alphaStack: alphaStackOutputs(alpha),
  };
}

/** Each app of the stack config: blue/green behind the edge, workers with the shared env, static sites. */
function buildApps(
  config: StackConfig,
  common: { ownerId: string; region: string; sharedEnvId: pulumi.Input<string>; edge: EdgeRouter["connection"]; guards: BlueGreenAppArgs["guards"] },
): { blueGreen: Record<string, BlueGreenApp>; others: Record<string, Service> } {
  const { ownerId, region, sharedEnvId, edge, guards } = common;
  const blueGreen: Record<string, BlueGreenApp> = {};
  const others: Record<string, Service> = {};
  for (const [name, app] of Object.entries(config.apps)) {
    if (app.kind === "blueGreen") {
      blueGreen[name] = new BlueGreenApp(name, { app, ownerId, region, envGroupIds: [sharedEnvId], edge, guards });
    } else if (app.kind === "worker") {
      const worker = new Service(name, {
        name,
        ownerId,
        region,
        type: "background_worker",
        plan: app.plan,
        numInstances: app.instances,
        autoscaling: app.autoscaling,
        image: `${app.image}:${app.version}`,
        autoDeploy: app.autoDeploy,
        preDeployCommand: app.preDeployCommand,
      });
      new EnvGroupLink(`${name}-env`, { envGroupId: sharedEnvId, serviceId: worker.id });
      others[name] = worker;
    } else {
      others[name] = new Service(name, {
        name,
        ownerId,
        type: "static_site",
        repo: app.repo,
        branch: app.branch,
        buildCommand: app.buildCommand,
        publishPath: app.publishPath,
        autoDeploy: app.autoDeploy,
        rootDir: app.rootDir,
        buildFilter: app.buildFilter,
        repoCheckout: app.checkout,
      });
    }
  }
  return { blueGreen, others };
}

/**
 * What the edge serves, from the validated routing table (infra/config/routing.ts). A static site routed by the
 * edge is an "app" whose two slots are the same site: it has no blue/green, only the edge's certificate and domain.
 */
function routing(config: StackConfig, blueGreen: Record<string, BlueGreenApp>, others: Record<string, Service>, mode: RuntimeMode): EdgeRouting {
  const routes = edgeRoutes(config.apps);
  const routed = new Set(routes.map((r) => r.app));
  const upstreams: Array<pulumi.Output<[string, EdgeUpstreams]>> = [
    ...Object.entries(blueGreen).map(([name, bg]) =>
      pulumi
        .all([upstreamOf(bg.slots.blue, mode), upstreamOf(bg.slots.green, mode)])
        .apply(([blue, green]): [string, EdgeUpstreams] => [
          name,
          { blue, green, healthPath: (config.apps[name] as { healthCheckPath: string }).healthCheckPath },
        ]),
    ),
    ...Object.entries(others)
      .filter(([name]) => routed.has(name) && config.apps[name].kind === "static")
      .map(([name, site]) => site.url.apply((u): [string, EdgeUpstreams] => [name, { blue: u ?? "", green: u ?? "", healthPath: "/" }])),
  ];
  return {
    apps: pulumi.all(upstreams).apply((entries) => Object.fromEntries(entries)),
    routes,
    vitalsOnly: Object.entries(config.apps)
      .filter(([name, app]) => app.kind === "static" && !routed.has(name))
      .map(([name]) => name),
  };
}

/**
 * The declared database, and the one the apps use: after `npm run db:restore`, the recovered one. That one is read,
 * not managed: its outputs (the connection string) are known at preview, so the reviewed plan holds the very
 * DATABASE_URL the up writes, and nothing this program does can delete it. The declared `database` stays as it was.
 */
function database(config: StackConfig): { activeDb: Postgres; restore: StackConfig["database"]["restore"] } {
  const owner = { ownerId: config.render.ownerId, region: config.render.region };
  const db = new Postgres("database", {
    name: config.database.name,
    ...owner,
    plan: config.database.plan,
    version: config.database.version,
    highAvailability: config.database.highAvailability,
  });
  const restore = config.database.restore;
  const activeDb = restore
    ? new Postgres(`database-${restore.id}`, { name: restore.name, ...owner, plan: config.database.plan, version: config.database.version }, { id: restore.id })
    : db;
  return { activeDb, restore };
}

/**
 * The policy matrix's scenario table: changes the pack must refuse (each naming the policy that refuses it and a
 * fragment of that policy's message) and changes elsewhere it must let through. Every scenario is one real
 * `pulumi preview --policy-pack` (one `up` for the promotion rule) of the whole program in a project copy, against
 * the simulator; `runner.ts` runs them, `outcome.ts` judges them.
 *
 * Stacks: `staging` and `production` are the project's own stack configs, previewed from empty state (a production
 * preview creates the production platform in AlphaStack's workspace and reads AlphaStack with `.get`). `prodpins` is
 * a test stack with production's config whose state already holds a managed AlphaStack reference (a `ProtectedRef`
 * marker) and the two `.get` reads, pinned by a baseline generated from that state (`pins.ts`).
 *
 * Most AlphaStack scenarios run in production, where they trip the freeze alone: in staging the same ids are also
 * production's, so environment-isolation would refuse them too.
 */

/** The stacks a scenario can run on. */
export type MatrixStack = "staging" | "production" | "prodpins";

/** One row of the matrix. */
export interface Scenario {
  /** Unique, kebab-case. */
  name: string;
  /** `blocked`: a forbidden change; `passes`: an allowed change elsewhere. */
  expect: "blocked" | "passes";
  stack: MatrixStack;
  /** What the change is, in a sentence. */
  what: string;
  /** TypeScript added to the program as `stacks/scenario.ts`, loaded after the platform (it may import `./index`). */
  program?: string;
  /** Files written into the project copy (relative path → content, or a function of the current content). */
  files?: Record<string, string | ((current: string) => string)>;
  /** Edits the stack's `stackguard:*` config in the copy. */
  config?: (cfg: Record<string, any>) => void;
  /** Entries merged into the stack's policy config (`policies/config/<environment>.json`). */
  packConfig?: Record<string, Record<string, unknown>>;
  /** Extra environment for the pulumi run. */
  env?: Record<string, string>;
  /** pulumi commands run on the copy's state first (prodpins only), e.g. `state unprotect <urn>`. */
  before?: string[][];
  /** Default `preview`; `up` for the production promotion rule (blocked before any change). */
  command?: "preview" | "up";
  /** For `blocked`: the policy that must refuse it, and a fragment of its message. */
  policy?: string;
  message?: string;
  /** Other mandatory policies that rightly refuse the same change (anything else is a failure). */
  alsoBy?: string[];
  /** The resource's own provider `check` refuses it too; the policy still runs on the raw inputs and must refuse it. */
  checkRejects?: boolean;
  /** The engine's own `protect` refuses it too (a replacement of a protected resource); the policy must still report. */
  engineRefuses?: boolean;
  /** In the subset previewed with and without the pack for `msWithPack` / `msWithoutPack`. */
  timed?: boolean;
  /** Edits the whole `--policy-pack-config` object last (e.g. `all: "disabled"`). */
  packConfigEdit?: (cfg: Record<string, unknown>) => void;
  /** Skip validate-config (which refuses lowering the mandatory policies): the pack must enforce them anyway. */
  unvalidatedPackConfig?: boolean;
}

import * as path from "node:path";
import { commandDigest } from "../../policies/lib/commands";

const ENGINE = "srv-alphastackengine0000";
const WORKER = "srv-alphastackworker0000";
const DATABASE = "dpg-alphastackdb00000000-a";
const ENV_GROUP = "evg-alphastackenv0000000";
const DOMAIN = "engine.alphastack.example";
const PROD_OWNER = "tea-alphastackprod000000";
const STAGING_OWNER = "tea-stackguardstaging000";

/** The test stack whose state holds the pinned references (see pins.ts). */
export const PIN_STACK = "prodpins";
/** The managed AlphaStack reference of the pin stack. */
const PIN_NAME = "alphastack-db-ref";
export const PIN_TYPE = "pulumi-nodejs:dynamic/stackguard:ProtectedRef";
export const PIN_URN = `urn:pulumi:${PIN_STACK}::stackguard::${PIN_TYPE}::${PIN_NAME}`;

/** What every scenario program starts with: the project's resource classes and the platform's outputs. */
const HEAD = `import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { AlertRule, CustomDomain, EnvGroup, EnvGroupLink, EnvVars, FeatureFlag, KeyValue, Postgres, PostgresExport, SecretFiles, Service, TrafficSwitch } from "../infra/providers";
import { apps, database, edgeAdminToken, edgeUrl } from "./index";
/** A platform service's id (unknown in a preview from empty state, like any id of a resource still to be created). */
const appId = (name: string): pulumi.Output<string> => apps.apply((a) => (a[name] as { id: string }).id);
const edge = edgeUrl.apply((u) => u ?? "");
/** The edge admin token, a secret input of every flag and rule (as the platform's own flags and rules get it). */
const adminToken = edgeAdminToken;
void [pulumi, command, AlertRule, CustomDomain, EnvGroup, EnvGroupLink, EnvVars, FeatureFlag, KeyValue, Postgres, PostgresExport, SecretFiles, Service, TrafficSwitch, appId, database, edge, adminToken];
`;

const program = (body: string): string => `${HEAD}\n${body.trim()}\n`;
/** The repository root (command scripts are hashed from the project copy, which has the same files). */
const ROOT = path.resolve(__dirname, "..", "..");

/**
 * A managed reference to AlphaStack's database: a marker resource whose provider writes nothing anywhere. It is
 * what `alphastack-references-pinned`/`-present` exist for (policies/README.md, layer 3).
 */
export const PROTECTED_REF = `
const refProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Record<string, string>) {
    return { id: "ref-" + inputs.postgresId, outs: inputs };
  },
};
class ProtectedRef extends pulumi.dynamic.Resource {
  constructor(name: string, args: Record<string, pulumi.Input<string>>, opts?: pulumi.CustomResourceOptions) {
    super(refProvider, name, args, opts, "stackguard", "ProtectedRef");
  }
}
void ProtectedRef;
`;

/** The pinned reference as the setup deployed it. */
export const PIN_DECLARATION = `new ProtectedRef("${PIN_NAME}", { postgresId: "${DATABASE}", purpose: "replication lag watch" }, { protect: true });`;

/** A pin-stack program: the platform, the marker class and `body`. */
const pinProgram = (body: string): string => program(`${PROTECTED_REF}\n${body}`);

/** Blue/green slots of a `pay` app referred to by id (TrafficSwitch checks both are Render ids and URLs). */
const SLOT_BLUE = `{ serviceId: "srv-paybluematrix0000000", url: "http://127.0.0.1:9/pay-blue" }`;
const SLOT_GREEN = `{ serviceId: "srv-paygreenmatrix000000", url: "http://127.0.0.1:9/pay-green" }`;
const FULL_ANALYSIS = `{ preSwitch: { probes: 5, intervalMs: 2000, timeoutMs: 2000, maxLatencyMs: 1000 }, postSwitch: { bakeMs: 60000, intervalMs: 10000, minSamples: 50, maxErrorRate: 0.01, maxP99LatencyMs: 1000, failureLimit: 0 } }`;
const paySwitch = (over: string): string => `const paySwitch = {
  app: "pay", image: "docker.io/alphaplatform/pay", version: "1.0.0", healthCheckPath: "/healthz",
  slots: { blue: ${SLOT_BLUE}, green: ${SLOT_GREEN} }, edgeUrl: edge, adminToken: pulumi.secret("matrix-edge-admin-token-0000"),
  analysis: ${FULL_ANALYSIS},
};
new TrafficSwitch("pay-switch", { ...paySwitch, ${over} } as never);`;

const DROP_COLUMN = "ALTER TABLE orders DROP COLUMN legacy_price;\n";
const PG_DUMP = 'pg_dump --schema-only "$DATABASE_URL" > /tmp/schema.sql';

/** An `EDGE_APPS` value (the edge's upstreams) whose api blue slot is `blue`. */
const edgeApps = (blue: string): string => JSON.stringify({ api: { blue, green: "http://api-green-prod:10000", healthPath: "/healthz" } });
/** A script in the repository whose body acts on AlphaStack (the command line itself names nothing of it). */
const SUSPEND_SCRIPT = `#!/bin/sh\n# "maintenance": pause the engine while we migrate\ncurl -fsS -X POST -H "Authorization: Bearer $RENDER_API_KEY" "$RENDER_API_URL/services/${ENGINE}/suspend"\n`;
/** The policies that read the baseline: a config override of its file is set on all of them. */
const BASELINE_READERS = [
  "alphastack-frozen",
  "alphastack-references-pinned",
  "alphastack-references-present",
  "alphastack-baseline-signed",
  "environment-isolation",
];

/** Replaces the `.get` of AlphaStack's services (stacks/alphastack.ts) by managed registrations of the same names. */
function getToManaged(current: string): string {
  const from = "(id) => new Service(`alphastack-${id}`, {} as never, { id, protect: true })";
  if (!current.includes(from))
    throw new Error(
      "stacks/alphastack.ts no longer registers AlphaStack with `new Service(`alphastack-${id}`, {} as never, { id, protect: true })`: update the get-reference-now-managed scenario",
    );
  return current.replace(
    from,
    '(id, i) => new Service(`alphastack-${id}`, { name: `alphastack-ref-${i}`, ownerId: config.render.ownerId, type: "background_worker", image: "docker.io/alphaplatform/ref:1.0.0" }, { protect: true })',
  );
}

export const SCENARIOS: readonly Scenario[] = [
  // ── AlphaStack frozen (production: the freeze alone refuses these) ────────────────────────────────────────────
  {
    name: "engine-env-var",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "an env var written onto AlphaStack's engine",
    program: program(`new EnvVars("engine-risk-limit", { serviceId: "${ENGINE}", values: { RISK_LIMIT: pulumi.secret("999999") } });`),
    message: `render:EnvVars "engine-risk-limit" must not act on AlphaStack production: serviceId targets ${ENGINE}`,
  },
  {
    name: "engine-secret-file",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "a secret file written onto AlphaStack's engine",
    program: program(`new SecretFiles("engine-tls", { serviceId: "${ENGINE}", files: { "client.crt": pulumi.secret("matrix-certificate") } });`),
    message: `render:SecretFiles "engine-tls" must not act on AlphaStack production: serviceId targets ${ENGINE}`,
  },
  {
    name: "new-env-group-linked-to-engine",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "a new env group of ours linked to AlphaStack's engine",
    program: program(`
const extra = new EnvGroup("engine-extra", { name: "engine-extra", ownerId: "${PROD_OWNER}", envVars: { FEATURE_X: pulumi.secret("on") } });
new EnvGroupLink("engine-extra-link", { envGroupId: extra.id, serviceId: "${ENGINE}" });`),
    message: `render:EnvGroupLink "engine-extra-link" must not act on AlphaStack production: serviceId targets ${ENGINE}`,
  },
  {
    name: "alphastack-env-group-linked-to-ours",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "AlphaStack's env group linked to our worker (its secrets would flow into our service)",
    program: program(`new EnvGroupLink("worker-alphastack-env", { envGroupId: "${ENV_GROUP}", serviceId: appId("worker") });`),
    message: `render:EnvGroupLink "worker-alphastack-env" must not act on AlphaStack production: envGroupId targets ${ENV_GROUP}`,
  },
  {
    name: "env-var-into-alphastack-env-group",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "an env group named like AlphaStack's (the provider adopts by name: a new var in AlphaStack's group)",
    program: program(
      `new EnvGroup("risk-overrides", { name: "alphastack-env", ownerId: "${PROD_OWNER}", envVars: { MAX_ORDER_SIZE: pulumi.secret("1000000") } });`,
    ),
    message: `render:EnvGroup "risk-overrides" must not use AlphaStack's resource name "alphastack-env"`,
  },
  {
    name: "scale-alphastack-engine",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "AlphaStack's engine scaled to 6 instances (a Service adopting it by name)",
    program: program(
      `new Service("engine-scale", { name: "alphastack-engine", ownerId: "${PROD_OWNER}", type: "web_service", image: "docker.io/alphastack/engine:latest", healthCheckPath: "/healthz", numInstances: 6 });`,
    ),
    message: `render:Service "engine-scale" must not use AlphaStack's resource name "alphastack-engine"`,
  },
  {
    name: "suspend-alphastack-engine",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    alsoBy: ["production-resource-allowlist"],
    what: "a command suspending AlphaStack's engine through Render's API",
    program: program(
      `new command.local.Command("suspend-engine", { create: 'curl -fsS -X POST -H "Authorization: Bearer $RENDER_API_KEY" "$RENDER_API_URL/services/${ENGINE}/suspend"' });`,
    ),
    message: `command:local:Command "suspend-engine" must not run a command against AlphaStack production: create mentions ${ENGINE}`,
  },
  {
    name: "deploy-alphastack-worker",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    alsoBy: ["production-resource-allowlist"],
    what: "a command triggering a deploy of AlphaStack's worker",
    program: program(`new command.local.Command("redeploy-worker", { create: "render deploys create ${WORKER} --wait --confirm" });`),
    message: `command:local:Command "redeploy-worker" must not run a command against AlphaStack production: create mentions ${WORKER}`,
  },
  {
    name: "restart-alphastack-by-name",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    alsoBy: ["production-resource-allowlist"],
    what: "a command restarting AlphaStack's engine by its Render name",
    program: program(`new command.local.Command("restart-engine", { create: "render restart alphastack-engine --confirm" });`),
    message: `command:local:Command "restart-engine" must not run a command against AlphaStack production: create mentions alphastack-engine`,
  },
  {
    name: "move-alphastack-domain",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "AlphaStack's domain moved onto our frontend",
    program: program(`new CustomDomain("engine-domain", { serviceId: appId("frontend"), name: "${DOMAIN}" });`),
    message: `render:CustomDomain "engine-domain" must not claim AlphaStack's domain: name is ${DOMAIN}`,
  },
  {
    name: "psql-against-alphastack-db",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    alsoBy: ["production-database-writes", "production-resource-allowlist"],
    what: "psql against AlphaStack's database host (also a production database client)",
    program: program(
      `new command.local.Command("inspect-alphastack-db", { create: 'psql "postgresql://readonly@${DATABASE}.oregon-postgres.render.com/alphastack" -c "select count(*) from orders"' });`,
    ),
    message: `command:local:Command "inspect-alphastack-db" must not run a command against AlphaStack production: create mentions ${DATABASE}`,
  },
  {
    name: "alert-rule-acts-on-alphastack",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "an alert rule on AlphaStack's engine that rolls back when it fires",
    program: program(`new AlertRule("engine-cpu-rollback", { edgeUrl: edge, adminToken, rule: {
  name: "engine-cpu-rollback", signal: "resource.cpu", target: "${ENGINE}", comparator: ">", critical: { threshold: 90 },
  severity: "page", runbookUrl: "https://runbooks.alphaplatform.example/engine-cpu", action: { type: "rollback", app: "api" },
} as never });`),
    message: `stackguard:AlertRule "engine-cpu-rollback" must not act on AlphaStack production: it watches ${ENGINE}`,
  },

  // ── Production database writes ────────────────────────────────────────────────────────────────────────────────
  {
    name: "psql-write-in-production",
    expect: "blocked",
    stack: "production",
    policy: "production-database-writes",
    alsoBy: ["production-resource-allowlist"],
    what: "a psql script run against production's own database outside the migration step",
    program: program(`new command.local.Command("fix-orders", { create: 'psql "$DATABASE_URL" -f scripts/fix-orders.sql' });`),
    message: `command:local:Command "fix-orders" must not write to a production database: its create command it runs psql`,
  },
  {
    name: "write-sql-in-production-command",
    expect: "blocked",
    stack: "production",
    policy: "production-database-writes",
    alsoBy: ["production-resource-allowlist"],
    what: "an UPDATE run by a production command",
    program: program(
      `new command.local.Command("settle-orders", { create: "node scripts/sql.js \\"UPDATE orders SET status = 'settled' WHERE status = 'pending'\\"" });`,
    ),
    message: `command:local:Command "settle-orders" must not write to a production database: its create command it runs SQL that writes (UPDATE orders SET)`,
  },
  {
    name: "migration-in-start-command",
    expect: "blocked",
    stack: "production",
    policy: "production-database-writes",
    what: "a migration in a production service's startCommand",
    program: program(
      `new Service("reports", { name: "reports", ownerId: "${PROD_OWNER}", type: "background_worker", image: "docker.io/alphaplatform/reports:1.0.0", numInstances: 1, startCommand: "npx prisma migrate deploy && node dist/reports.js" });`,
    ),
    message: `render:Service "reports" must not write to a production database from startCommand`,
  },

  // ── Environment isolation ─────────────────────────────────────────────────────────────────────────────────────
  {
    name: "staging-service-in-production-workspace",
    expect: "blocked",
    stack: "staging",
    policy: "environment-isolation",
    what: "a staging service created in production's workspace",
    program: program(
      `new Service("reports", { name: "reports", ownerId: "${PROD_OWNER}", type: "background_worker", image: "docker.io/alphaplatform/reports:1.0.0" });`,
    ),
    message: `render:Service "reports" in staging must not refer to production: ownerId contains ${PROD_OWNER}`,
  },
  {
    name: "production-service-in-staging-workspace",
    expect: "blocked",
    stack: "production",
    policy: "environment-isolation",
    what: "a production service created in staging's workspace",
    program: program(
      `new Service("reports-sandbox", { name: "reports-sandbox", ownerId: "${STAGING_OWNER}", type: "background_worker", image: "docker.io/alphaplatform/reports:1.0.0" });`,
    ),
    message: `render:Service "reports-sandbox" in production must not refer to staging: ownerId contains ${STAGING_OWNER}`,
  },

  // ── Blue/green ────────────────────────────────────────────────────────────────────────────────────────────────
  {
    name: "switch-with-identical-slots",
    expect: "blocked",
    stack: "staging",
    policy: "traffic-switch-analysed",
    what: "a traffic switch whose blue and green slots are the same service",
    program: program(paySwitch(`slots: { blue: ${SLOT_BLUE}, green: ${SLOT_BLUE} }`)),
    message: `stackguard:TrafficSwitch "pay-switch" must have two different slots`,
  },
  {
    name: "switch-without-health-check",
    expect: "blocked",
    stack: "staging",
    policy: "traffic-switch-analysed",
    checkRejects: true,
    what: "a traffic switch without a health check path",
    program: program(paySwitch(`healthCheckPath: ""`)),
    message: `stackguard:TrafficSwitch "pay-switch" must set healthCheckPath to a path such as /healthz`,
  },
  {
    name: "switch-without-analysis",
    expect: "blocked",
    stack: "staging",
    policy: "traffic-switch-analysed",
    checkRejects: true,
    what: "a traffic switch without pre- and post-switch analysis",
    program: program(paySwitch(`analysis: undefined`)),
    message: `stackguard:TrafficSwitch "pay-switch" must define analysis.preSwitch`,
  },
  {
    name: "slot-without-health-check",
    expect: "blocked",
    stack: "staging",
    policy: "blue-green-slot-health-check",
    what: "a blue/green slot service without a health check path",
    program: program(
      `new Service("pay-blue", { name: "pay-blue", ownerId: "${STAGING_OWNER}", type: "web_service", image: "docker.io/alphaplatform/pay:1.0.0" });`,
    ),
    message: `render:Service "pay-blue" must set healthCheckPath (e.g. /healthz): it is the blue slot of pay`,
  },
  {
    name: "slot-with-persistent-disk",
    expect: "blocked",
    stack: "staging",
    policy: "blue-green-slot-no-persistent-disk",
    checkRejects: true,
    what: "a persistent disk on a blue/green slot",
    program: program(
      `new Service("pay-green", { name: "pay-green", ownerId: "${STAGING_OWNER}", type: "web_service", image: "docker.io/alphaplatform/pay:1.0.0", healthCheckPath: "/healthz", disk: { name: "data", mountPath: "/data", sizeGB: 10 } } as never);`,
    ),
    message: `render:Service "pay-green" must not have a persistent disk`,
  },
  {
    name: "edge-state-evicting",
    expect: "blocked",
    stack: "staging",
    policy: "edge-state-key-value",
    what: "the edge's state Key Value with an evicting maxmemoryPolicy",
    program: program(
      `new KeyValue("pay-edge-state", { name: "pay-edge-state", ownerId: "${STAGING_OWNER}", plan: "starter", maxmemoryPolicy: "allkeys_lru" });`,
    ),
    message: `render:KeyValue "pay-edge-state" (pay-edge-state, the edge's shared state) must set maxmemoryPolicy: "noeviction", not "allkeys_lru"`,
  },
  {
    name: "edge-state-noeviction",
    expect: "passes",
    stack: "staging",
    what: "the edge's state Key Value with noeviction, no allow list entries, on a paid plan",
    program: program(
      `new KeyValue("pay-edge-state", { name: "pay-edge-state", ownerId: "${STAGING_OWNER}", plan: "starter", maxmemoryPolicy: "noeviction" });`,
    ),
  },
  {
    name: "force-switch-without-break-glass",
    expect: "blocked",
    stack: "production",
    policy: "traffic-switch-force-break-glass",
    what: "force (no analysis) on a production traffic switch without a break-glass entry",
    program: program(paySwitch("force: true")),
    message: `stackguard:TrafficSwitch "pay-switch" must not set force in production without a reviewed break-glass entry`,
  },

  {
    name: "force-switch-expired-break-glass",
    expect: "blocked",
    stack: "production",
    policy: "traffic-switch-force-break-glass",
    what: "force on a production traffic switch whose break-glass entry has expired",
    program: program(paySwitch("force: true")),
    packConfig: {
      "traffic-switch-force-break-glass": {
        breakGlass: [
          {
            app: "pay",
            reason: "incident 41: metrics provider down, rollback needed",
            requestedBy: "alice",
            reviewer: "bob",
            expires: new Date(Date.now() - 3_600_000).toISOString(),
          },
        ],
      },
    },
    message: `stackguard:TrafficSwitch "pay-switch" must not set force: the break-glass entry for pay expired at`,
  },
  // ── Secrets ───────────────────────────────────────────────────────────────────────────────────────────────────
  {
    name: "plaintext-api-key-env-var",
    expect: "blocked",
    stack: "staging",
    policy: "secrets-are-secret",
    what: "a payments API key written as a plain-text env var",
    program: program(`new EnvVars("payments-keys", { serviceId: appId("worker"), values: { PAYMENTS_API_KEY: "pk_live_" + "matrixCanary0123456789" } });`),
    message: `render:EnvVars "payments-keys" must receive values as a Pulumi secret, but it was given in plain text`,
  },
  {
    name: "plaintext-database-url-in-command",
    expect: "blocked",
    stack: "staging",
    policy: "secrets-are-secret",
    what: "a DATABASE_URL with its password passed in plain text to a command",
    program: program(
      `new command.local.Command("orders-report", { create: "node scripts/report.js", environment: { DATABASE_URL: "postgres://app:" + "matrixCanaryPw" + "@db.internal:5432/app" } });`,
    ),
    message: `command:local:Command "orders-report" must not take environment.DATABASE_URL in plain text: it is a URL with a password`,
  },

  // ── Migrations ────────────────────────────────────────────────────────────────────────────────────────────────
  {
    name: "destructive-migration-in-expand",
    expect: "blocked",
    stack: "staging",
    policy: "migrations-backward-compatible",
    what: "DROP COLUMN in an expand migration under migrations/",
    files: { "migrations/20261127_0002_drop_legacy_price.sql": DROP_COLUMN },
    message: "Migration migrations/20261127_0002_drop_legacy_price.sql must be backward compatible (expand phase)",
  },
  {
    name: "contract-migration-before-retire",
    expect: "blocked",
    stack: "staging",
    policy: "migrations-backward-compatible",
    what: "a contract migration whose app still runs the version it waits for",
    files: { "migrations/contract/20261127_0003_drop_legacy_price.sql": `-- stackguard:previous-slot-retired api@1.4.2\n${DROP_COLUMN}` },
    message: "Contract migration migrations/contract/20261127_0003_drop_legacy_price.sql must not run yet: a slot of api still runs 1.4.2",
  },
  {
    name: "rename-in-pre-deploy-sql",
    expect: "blocked",
    stack: "staging",
    policy: "migrations-backward-compatible",
    what: "a column rename in the .sql file the worker's preDeployCommand runs",
    files: { "db/predeploy/0004_rename_qty.sql": "ALTER TABLE orders RENAME COLUMN qty TO quantity;\n" },
    config: (cfg) => (cfg.apps.worker.preDeployCommand = "./bin/migrate db/predeploy/0004_rename_qty.sql"),
    message: "Migration db/predeploy/0004_rename_qty.sql must be backward compatible (expand phase): line 1 renames a column",
  },

  // ── Pinned AlphaStack references (prodpins: state and baseline from pins.ts) ──────────────────────────────────
  {
    name: "pinned-reference-unprotected",
    expect: "blocked",
    stack: "prodpins",
    policy: "alphastack-references-pinned",
    alsoBy: ["alphastack-references-present"],
    what: "protect removed from the managed AlphaStack reference",
    program: pinProgram(PIN_DECLARATION.replace("protect: true", "protect: false")),
    message: `stackguard:ProtectedRef "${PIN_NAME}" must carry protect: true: it represents AlphaStack ${DATABASE}`,
  },
  {
    name: "pinned-reference-ignore-changes",
    expect: "blocked",
    stack: "prodpins",
    policy: "alphastack-references-pinned",
    what: "ignoreChanges added to the managed AlphaStack reference",
    program: pinProgram(PIN_DECLARATION.replace("protect: true", 'protect: true, ignoreChanges: ["purpose"]')),
    message: `stackguard:ProtectedRef "${PIN_NAME}" must not set ignoreChanges (purpose)`,
  },
  {
    name: "pinned-reference-inputs-changed",
    expect: "blocked",
    stack: "prodpins",
    policy: "alphastack-references-pinned",
    what: "the managed AlphaStack reference's inputs no longer hash to the pin",
    program: pinProgram(PIN_DECLARATION.replace("replication lag watch", "replication lag watch (tightened)")),
    message: `stackguard:ProtectedRef "${PIN_NAME}" must keep the inputs pinned in the baseline`,
  },
  {
    name: "pinned-reference-replaced",
    expect: "blocked",
    stack: "prodpins",
    policy: "alphastack-references-pinned",
    engineRefuses: true,
    what: "the managed AlphaStack reference replaced (replaceOnChanges and a changed input; protect in state refuses it too)",
    program: pinProgram(
      PIN_DECLARATION.replace("replication lag watch", "replica lag watch").replace("protect: true", 'protect: true, replaceOnChanges: ["*"]'),
    ),
    message: `stackguard:ProtectedRef "${PIN_NAME}" must keep the inputs pinned in the baseline`,
  },
  {
    name: "pinned-reference-renamed",
    expect: "blocked",
    stack: "prodpins",
    policy: "alphastack-references-present",
    alsoBy: ["alphastack-frozen"],
    what: "the managed AlphaStack reference renamed (aliased to a new URN)",
    program: pinProgram(
      PIN_DECLARATION.replace(`"${PIN_NAME}"`, `"${PIN_NAME}-v2"`).replace("protect: true", `protect: true, aliases: [{ name: "${PIN_NAME}" }]`),
    ),
    message: `The stack must still hold the AlphaStack reference ${PIN_URN} (${DATABASE})`,
  },
  {
    name: "pinned-reference-deleted",
    expect: "blocked",
    stack: "prodpins",
    policy: "alphastack-references-present",
    what: "the managed AlphaStack reference deleted after `pulumi state unprotect` (with protect in state the engine itself refuses)",
    before: [["state", "unprotect", PIN_URN, "--yes"]],
    program: pinProgram(""),
    message: `The stack must still hold the AlphaStack reference ${PIN_URN} (${DATABASE})`,
  },
  {
    name: "get-reference-now-managed",
    expect: "blocked",
    stack: "prodpins",
    policy: "alphastack-references-pinned",
    what: "the .get of AlphaStack's services turned into managed resources",
    program: pinProgram(PIN_DECLARATION),
    files: { "stacks/alphastack.ts": getToManaged },
    message: `render:Service "alphastack-${ENGINE}" must not be a managed resource: the baseline pins it as a read-only reference to ${ENGINE}`,
  },

  // ── Promotion ─────────────────────────────────────────────────────────────────────────────────────────────────
  {
    name: "production-up-without-promotion",
    expect: "blocked",
    stack: "production",
    policy: "production-requires-promotion",
    command: "up",
    what: "`pulumi up` of production without the gate's reviewed plan",
    env: { STACKGUARD_PROMOTION: "" },
    message: "An update of production must come through the promote path: STACKGUARD_PROMOTION is not set",
  },

  // ── Issue 14: traffic to AlphaStack, path tricks, alert rules, the pack's own config, commands, allowlist ─────
  {
    name: "edge-upstream-alphastack-slug",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "the edge's upstreams send the api host's traffic to AlphaStack's engine by its onrender.com host",
    program: program(
      `new EnvVars("edge-upstreams", { serviceId: appId("worker"), values: { EDGE_APPS: pulumi.secret(${JSON.stringify(edgeApps("https://alphastack-engine.onrender.com"))}) } });`,
    ),
    message: `render:EnvVars "edge-upstreams" must not send traffic to AlphaStack production: values.EDGE_APPS routes to https://alphastack-engine.onrender.com`,
  },
  {
    name: "switch-slot-alphastack-private-name",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "a traffic switch whose blue slot is AlphaStack's engine on the private network (by name, no id)",
    program: program(paySwitch(`slots: { blue: { serviceId: "srv-paybluematrix0000000", url: "http://alphastack-engine:10000" }, green: ${SLOT_GREEN} }`)),
    message: `stackguard:TrafficSwitch "pay-switch" must not send traffic to AlphaStack production: slots.blue.url routes to http://alphastack-engine:10000`,
  },
  {
    name: "status-url-dot-segments",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    what: "AlphaStack's status URL with ../ and percent-encoded dot segments reaching its admin API",
    program: program(
      `new EnvVars("probe-url", { serviceId: appId("worker"), values: { PROBE_URL: pulumi.secret("https://${DOMAIN}/healthz/%2e%2e/admin/suspend") } });`,
    ),
    message: `render:EnvVars "probe-url" must not refer to AlphaStack production: values.PROBE_URL contains https://${DOMAIN}/healthz/%2e%2e/admin/suspend`,
  },
  {
    name: "alert-rule-kill-switch-alphastack-signal",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    checkRejects: true,
    what: "an alert rule on AlphaStack's engine status that flips a kill switch (no id anywhere in it)",
    program: program(`new AlertRule("engine-down-kill", { edgeUrl: edge, adminToken, rule: {
  name: "engine-down-kill", signal: "alphastack.engine_status", comparator: "<", critical: { threshold: 0.5 },
  severity: "page", runbookUrl: "https://runbooks.alphaplatform.example/engine-down", action: { type: "killSwitch", flag: "orders" },
} as never });`),
    message: `stackguard:AlertRule "engine-down-kill" must not act on AlphaStack production: its signal alphastack.engine_status is AlphaStack's`,
  },
  {
    name: "config-disables-freeze",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    unvalidatedPackConfig: true,
    what: "the pack config sets alphastack-frozen to disabled, then an env var is written onto AlphaStack's engine",
    packConfig: { "alphastack-frozen": { enforcementLevel: "disabled" } },
    program: program(`new EnvVars("engine-risk-limit", { serviceId: "${ENGINE}", values: { RISK_LIMIT: pulumi.secret("999999") } });`),
    message: `render:EnvVars "engine-risk-limit" must not act on AlphaStack production: serviceId targets ${ENGINE}`,
  },
  {
    name: "config-all-disabled",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-frozen",
    unvalidatedPackConfig: true,
    what: 'the pack config sets "all": "disabled", then a command suspends AlphaStack\'s engine',
    packConfigEdit: (cfg) => (cfg.all = "disabled"),
    program: program(`new EnvVars("engine-risk-limit", { serviceId: "${ENGINE}", values: { RISK_LIMIT: pulumi.secret("999999") } });`),
    message: `The policy config must not set alphastack-frozen to "disabled"`,
  },
  {
    name: "config-baseline-file-override",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-baseline-signed",
    unvalidatedPackConfig: true,
    what: "the pack config points every baseline policy at another baseline file",
    packConfig: Object.fromEntries(BASELINE_READERS.map((n) => [n, { baselineFile: "config/../baseline.json" }])),
    message: `The policy config must not set baselineFile ("config/../baseline.json")`,
  },
  {
    name: "baseline-pin-deleted-by-hand",
    expect: "blocked",
    stack: "production",
    policy: "alphastack-baseline-signed",
    what: "a pin deleted from production's baseline by hand (inline, so the committed file stays as it is)",
    packConfig: Object.fromEntries(BASELINE_READERS.map((n) => [n, { baseline: handEditedBaseline() }])),
    message: "The AlphaStack baseline must be the one npm run baseline wrote: the baseline entry for stack production does not match its digest",
  },
  {
    name: "command-runs-script-acting-on-alphastack",
    expect: "blocked",
    stack: "staging",
    policy: "alphastack-frozen",
    what: "a command running a repository script whose body suspends AlphaStack's engine (the command line names nothing)",
    files: { "scripts/maintenance.sh": SUSPEND_SCRIPT },
    program: program(`new command.local.Command("maintenance", { create: "sh scripts/maintenance.sh" });`),
    message: `command:local:Command "maintenance" must not run a script that acts on AlphaStack production: scripts/maintenance.sh mentions ${ENGINE}`,
    alsoBy: ["environment-isolation"],
  },
  {
    name: "production-command-not-allowlisted",
    expect: "blocked",
    stack: "production",
    policy: "production-resource-allowlist",
    what: "a production command (harmless on its face) with no allowlist entry for what it runs",
    files: { "scripts/warm-cache.sh": "#!/bin/sh\ncurl -fsS https://api.alphaplatform.example/warm\n" },
    program: program(`new command.local.Command("warm-cache", { create: "sh scripts/warm-cache.sh" });`),
    message: `command:local:Command "warm-cache" must have an entry in production's command allowlist: no entry for "warm-cache" (it runs scripts/warm-cache.sh)`,
  },
  {
    name: "production-allowlisted-script-changed",
    expect: "blocked",
    stack: "production",
    policy: "production-resource-allowlist",
    what: "an allowlisted production command whose script changed after review",
    files: {
      "scripts/warm-cache.sh": "#!/bin/sh\ncurl -fsS https://api.alphaplatform.example/warm\ncurl -fsS -X DELETE https://api.alphaplatform.example/cache\n",
    },
    packConfig: { "production-resource-allowlist": { commands: [{ name: "warm-cache", sha256: warmCacheDigest() }] } },
    program: program(`new command.local.Command("warm-cache", { create: "sh scripts/warm-cache.sh" });`),
    message: `command:local:Command "warm-cache" must run what its allowlist entry reviewed`,
  },
  {
    name: "production-unknown-dynamic-provider",
    expect: "blocked",
    stack: "production",
    policy: "production-resource-allowlist",
    what: "a resource of an ad-hoc dynamic provider in production (its code acts on Render with no review)",
    program: program(`
const adhoc: pulumi.dynamic.ResourceProvider = { async create(inputs: Record<string, string>) { return { id: "adhoc-" + inputs.target, outs: inputs }; } };
class Adhoc extends pulumi.dynamic.Resource { constructor(name: string, args: Record<string, pulumi.Input<string>>) { super(adhoc, name, args, undefined, "ops", "Adhoc"); } }
new Adhoc("nightly-tweak", { target: "platform" });`),
    message: `ops:Adhoc "nightly-tweak" must not use an unknown dynamic provider in production: pulumi-nodejs:dynamic/ops:Adhoc is not in policies/allowlist.json`,
  },
  {
    name: "production-provider-code-changed",
    expect: "blocked",
    stack: "production",
    policy: "production-resource-allowlist",
    what: "the env-group-link provider's code changed on disk (no diff on any resource): its digest differs from the reviewed one",
    files: { "infra/providers/impl/env-group-link.ts": (current) => `${current}\n// an unreviewed change to the provider's code\n` },
    message: `render:EnvGroupLink "worker-env" runs changed provider code`,
  },
  {
    name: "production-edge-upstream-lookalike",
    expect: "passes",
    stack: "production",
    what: "edge upstreams at our own hosts, one named like AlphaStack's engine on another domain (no false block)",
    program: program(
      `new EnvVars("edge-upstreams", { serviceId: appId("worker"), values: { EDGE_APPS: pulumi.secret(${JSON.stringify(edgeApps("https://alphastack-engine-docs.alphaplatform.example"))}) } });`,
    ),
  },
  {
    name: "production-status-url-normalized",
    expect: "passes",
    stack: "production",
    what: "AlphaStack's status URL written with upper case and a trailing dot (the same read-only URL)",
    program: program(
      `new EnvVars("probe-url", { serviceId: appId("worker"), values: { PROBE_URL: pulumi.secret("https://ENGINE.alphastack.example./healthz") } });`,
    ),
  },
  {
    name: "production-allowlisted-command",
    expect: "passes",
    stack: "production",
    what: "a production command running a repository script, allowlisted with the digest of both",
    files: { "scripts/warm-cache.sh": "#!/bin/sh\ncurl -fsS https://api.alphaplatform.example/warm\n" },
    packConfig: { "production-resource-allowlist": { commands: [{ name: "warm-cache", sha256: warmCacheDigest() }] } },
    program: program(`new command.local.Command("warm-cache", { create: "sh scripts/warm-cache.sh" });`),
  },
  {
    name: "staging-provider-code-changed",
    expect: "passes",
    stack: "staging",
    what: "the same provider code change in staging: no allowlist there, and no churn",
    files: { "infra/providers/impl/env-group-link.ts": (current) => `${current}\n// an unreviewed change to the provider's code\n` },
  },

  // ── Allowed changes elsewhere ─────────────────────────────────────────────────────────────────────────────────
  {
    name: "staging-env-var",
    expect: "passes",
    stack: "staging",
    timed: true,
    what: "a new (secret) env var on the staging worker",
    program: program(`new EnvVars("worker-log-level", { serviceId: appId("worker"), values: { LOG_LEVEL: pulumi.secret("debug") } });`),
  },
  {
    name: "staging-new-worker",
    expect: "passes",
    stack: "staging",
    what: "a new staging worker app",
    config: (cfg) => (cfg.apps.reports = { kind: "worker", image: "docker.io/alphaplatform/reports", version: "1.0.0", plan: "starter", instances: 1 }),
  },
  {
    name: "staging-scale-worker",
    expect: "passes",
    stack: "staging",
    what: "the staging worker scaled to 3 instances on a bigger plan",
    config: (cfg) => Object.assign(cfg.apps.worker, { instances: 3, plan: "standard" }),
  },
  {
    name: "staging-feature-flag",
    expect: "passes",
    stack: "staging",
    what: "a new release flag on the staging edge",
    program: program(`new FeatureFlag("flag-dark-mode", { key: "dark-mode", edgeUrl: edge, adminToken, definition: {
  state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off",
  metadata: { owner: "team-web", createdAt: "2026-11-27", kind: "release", description: "dark mode for the order book" },
} });`),
  },
  {
    name: "alert-rule-on-alphastack-status",
    expect: "passes",
    stack: "staging",
    timed: true,
    what: "an alert rule watching AlphaStack's status URL that only notifies",
    program: program(`new AlertRule("alphastack-status-watch", { edgeUrl: edge, adminToken, rule: {
  name: "alphastack-status-watch", signal: "alphastack.engine_status", comparator: "<", critical: { threshold: 0.5, recovery: 0.9 },
  severity: "ticket", runbookUrl: "https://runbooks.alphaplatform.example/alphastack-status",
  labels: { status_url: "https://${DOMAIN}/healthz" }, action: { type: "none" },
} });`),
  },
  {
    name: "staging-new-edge-domain",
    expect: "passes",
    stack: "staging",
    what: "a new custom domain on the staging edge, routed to the api",
    config: (cfg) => {
      cfg.edge.domains.push("orders.staging.alphaplatform.example");
      cfg.apps.api.hosts.push("orders.staging.alphaplatform.example");
    },
  },
  {
    name: "staging-new-blue-green-app",
    expect: "passes",
    stack: "staging",
    what: "a new blue/green app whose traffic switch has full analysis",
    config: (cfg) =>
      (cfg.apps.pay = {
        kind: "blueGreen",
        image: "docker.io/alphaplatform/pay",
        version: "1.0.0",
        healthCheckPath: "/healthz",
        pathPrefixes: ["/pay"],
        plan: "starter",
        instances: 1,
        analysis: { postSwitch: { bakeMs: 30000, intervalMs: 5000 } },
      }),
  },
  {
    name: "staging-secret-database-url",
    expect: "passes",
    stack: "staging",
    what: "a DATABASE_URL passed to a command as a Pulumi secret",
    program: program(
      `new command.local.Command("orders-report", { create: "node scripts/report.js", environment: { DATABASE_URL: pulumi.secret("postgres://app:" + "matrixCanaryPw" + "@db.internal:5432/app") } });`,
    ),
  },
  {
    name: "staging-additive-migration",
    expect: "passes",
    stack: "staging",
    what: "an additive (expand) migration",
    files: { "migrations/20261127_0001_add_order_note.sql": "ALTER TABLE orders ADD COLUMN note text;\n" },
  },
  {
    name: "production-platform-change",
    expect: "passes",
    stack: "production",
    timed: true,
    what: "production's worker scaled to 3 (AlphaStack untouched)",
    config: (cfg) => (cfg.apps.worker.instances = 3),
  },
  {
    name: "production-pg-dump",
    expect: "passes",
    stack: "production",
    what: "a read-only pg_dump and a Render export of production's own database",
    program: program(`
new command.local.Command("schema-dump", { create: ${JSON.stringify(PG_DUMP)} });
new PostgresExport("platform-db-export", { postgresId: database.apply((d) => d.id) });`),
    // Production's command allowlist (issue 14 g): the reviewed digest of what this command runs.
    packConfig: { "production-resource-allowlist": { commands: [{ name: "schema-dump", sha256: commandDigest({ create: PG_DUMP }, ROOT).digest }] } },
  },
  {
    name: "production-flags-and-alert-rules",
    expect: "passes",
    stack: "production",
    timed: true,
    what: "production's default alert rules (AlphaStack's status notify-only) and flags, part of every up (no EDGE_ADMIN_TOKEN)",
  },
  {
    name: "pinned-reference-unchanged",
    expect: "passes",
    stack: "prodpins",
    what: "the managed AlphaStack reference exactly as pinned (proves the pin hashes the real inputs)",
    program: pinProgram(PIN_DECLARATION),
  },
];

/** The digest of `sh scripts/warm-cache.sh` running the reviewed script (the allowed scenario's version). */
function warmCacheDigest(): string {
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matrix-warm-"));
  try {
    fs.mkdirSync(path.join(dir, "scripts"));
    fs.writeFileSync(path.join(dir, "scripts", "warm-cache.sh"), "#!/bin/sh\ncurl -fsS https://api.alphaplatform.example/warm\n");
    return commandDigest({ create: "sh scripts/warm-cache.sh" }, dir).digest;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The committed baseline with one of production's pins deleted and the digest left as it was. */
function handEditedBaseline(): unknown {
  const fs = require("node:fs") as typeof import("node:fs");
  const b = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "baseline.json"), "utf8"));
  delete b.$comment;
  b.stacks.production.resources = b.stacks.production.resources.slice(1);
  return b;
}

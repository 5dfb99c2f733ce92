import { randomBytes } from "node:crypto";
import type { SimApp } from "./app";
import { addToEnvironment, DEFAULT_IP_ALLOW_LIST, type EnvironmentRec } from "./domain/environments";
import type { EnvGroupRec } from "./domain/envgroups";
import type { OwnerRec } from "./domain/owners";
import { captureDeployConfig, type ServiceRec } from "./domain/services";
import type { DeployRec } from "./lifecycle/deploys";
import { dateToNs } from "./render/time";
import { seedUsers, type SeededKeyName } from "./domain/users";

/** Fixed ids of the seeded objects (documented in sim/README.md). Read-only for this project. */
export const SEED = {
  productionOwner: "tea-alphastackprod000000",
  stagingOwner: "tea-stackguardstaging000",
  project: "prj-alphastackprod000000",
  environment: "evm-alphastackprod000000",
  engine: "srv-alphastackengine0000",
  worker: "srv-alphastackworker0000",
  postgres: "dpg-alphastackdb00000000-a",
  envGroup: "evg-alphastackenv0000000",
  engineDeploy: "dep-alphastackengine0001",
  workerDeploy: "dep-alphastackworker0001",
  engineDomain: "cdm-alphastackengine0dom",
  engineDomainName: "engine.alphastack.example",
  engineImage: "docker.io/alphastack/engine:2026.11.3",
  workerImage: "docker.io/alphastack/worker:2026.11.3",
} as const;

const SEEDED_AT = dateToNs(new Date("2026-01-15T09:30:00Z"));

function once<T>(app: SimApp, kind: Parameters<SimApp["store"]["get"]>[0], id: string, make: () => T, parent: string | null = null): void {
  if (app.store.get(kind, id) === undefined) app.store.insert(kind, id, make(), parent);
}

function service(id: string, type: "web_service" | "background_worker", name: string, image: string, details: Record<string, unknown>): ServiceRec {
  return {
    id,
    type,
    name,
    ownerId: SEED.productionOwner,
    slug: type === "background_worker" ? `${name}-q7x2` : name,
    createdAt: SEEDED_AT,
    updatedAt: SEEDED_AT,
    autoDeploy: "no",
    rootDir: "",
    imagePath: image,
    suspended: false,
    details: { runtime: "image", plan: "pro", region: "oregon", previews: { generation: "off" }, envSpecificDetails: {}, ...details },
  };
}

function liveDeploy(id: string, serviceId: string, image: string): DeployRec {
  return {
    id,
    serviceId,
    commit: null,
    image: { ref: image, sha: `sha256:${Buffer.from(image).toString("hex").padEnd(64, "0").slice(0, 64)}` },
    status: "live",
    trigger: "api",
    createdAt: SEEDED_AT,
    updatedAt: SEEDED_AT,
    startedAt: SEEDED_AT,
    finishedAt: SEEDED_AT,
    phases: [],
    phase: -1,
  };
}

/**
 * Seeds AlphaStack's production (engine, worker, Postgres, env group, custom domain, protected environment), the
 * staging workspace, and the users with their workspace roles and API keys (`keys`: the generated per-user keys,
 * see sim/domain/users.ts). Idempotent: only missing objects are created, so later changes are never overwritten.
 */
export function seed(app: SimApp, keys?: Record<SeededKeyName, string>): void {
  app.store.tx(() => {
    once<OwnerRec>(app, "owner", SEED.productionOwner, () => ({
      id: SEED.productionOwner,
      name: "AlphaStack Production",
      email: "platform@alphastack.example",
      type: "team",
    }));
    once<OwnerRec>(app, "owner", SEED.stagingOwner, () => ({
      id: SEED.stagingOwner,
      name: "stackguard staging",
      email: "staging@stackguard.example",
      type: "team",
    }));
    once(
      app,
      "project",
      SEED.project,
      () => ({ id: SEED.project, name: "alphastack", ownerId: SEED.productionOwner, createdAt: SEEDED_AT, updatedAt: SEEDED_AT }),
      SEED.productionOwner,
    );
    once<EnvironmentRec>(
      app,
      "environment",
      SEED.environment,
      () => ({
        id: SEED.environment,
        name: "production",
        projectId: SEED.project,
        protectedStatus: "protected",
        networkIsolationEnabled: true,
        ipAllowList: DEFAULT_IP_ALLOW_LIST,
        createdAt: SEEDED_AT,
        updatedAt: SEEDED_AT,
      }),
      SEED.project,
    );
    once(
      app,
      "service",
      SEED.engine,
      () =>
        service(SEED.engine, "web_service", "alphastack-engine", SEED.engineImage, {
          numInstances: 3,
          healthCheckPath: "/healthz",
          maintenanceMode: { enabled: false, uri: "" },
        }),
      SEED.productionOwner,
    );
    once(
      app,
      "service",
      SEED.worker,
      () => service(SEED.worker, "background_worker", "alphastack-worker", SEED.workerImage, { numInstances: 1 }),
      SEED.productionOwner,
    );
    once(app, "deploy", SEED.engineDeploy, () => liveDeploy(SEED.engineDeploy, SEED.engine, SEED.engineImage), SEED.engine);
    once(app, "deploy", SEED.workerDeploy, () => liveDeploy(SEED.workerDeploy, SEED.worker, SEED.workerImage), SEED.worker);
    once(
      app,
      "customDomain",
      SEED.engineDomain,
      () => ({
        id: SEED.engineDomain,
        serviceId: SEED.engine,
        name: SEED.engineDomainName,
        domainType: "subdomain",
        publicSuffix: "example",
        redirectForName: "",
        verificationStatus: "verified",
        createdAt: SEEDED_AT,
      }),
      SEED.engine,
    );
    once(
      app,
      "postgres",
      SEED.postgres,
      () => ({
        id: SEED.postgres,
        name: "alphastack-db",
        ownerId: SEED.productionOwner,
        plan: "pro_4gb",
        region: "oregon",
        version: "16",
        databaseName: "alphastack_k3v9",
        databaseUser: "alphastack",
        password: randomBytes(24).toString("base64url").slice(0, 32),
        diskSizeGB: 100,
        diskAutoscalingEnabled: true,
        highAvailabilityEnabled: true,
        ipAllowList: [],
        readReplicas: [],
        createdAt: SEEDED_AT,
        updatedAt: SEEDED_AT,
        readyAt: 0,
        suspended: false,
      }),
      SEED.productionOwner,
    );
    if (app.store.get("envGroup", SEED.envGroup) === undefined) {
      const g: EnvGroupRec = {
        id: SEED.envGroup,
        name: "alphastack-env",
        ownerId: SEED.productionOwner,
        createdAt: SEEDED_AT,
        updatedAt: SEEDED_AT,
        serviceIds: [SEED.engine, SEED.worker],
      };
      app.store.insert("envGroup", g.id, g, g.ownerId);
      const vars: Array<[string, string]> = [
        ["ALPHASTACK_MODE", "production"],
        ["LOG_LEVEL", "info"],
        ["DATABASE_POOL_SIZE", "20"],
        // A secret-looking value, random per state directory, for secret-handling tests.
        ["MARKET_DATA_API_KEY", `mdk_live_${randomBytes(18).toString("hex")}`],
      ];
      for (const [key, value] of vars) app.store.insert("grpEnv", `row-seed${key.toLowerCase()}`, { key, value }, g.id);
    }
    if (app.store.get("membership", SEED.engine) === undefined) {
      addToEnvironment(app, SEED.environment, [SEED.engine, SEED.worker, SEED.postgres, SEED.envGroup]);
    }
    if (keys) seedUsers(app, keys);
    // The live deploys run with the env group's values (a deploy's env is captured when it starts).
    for (const [deployId, serviceId] of [
      [SEED.engineDeploy, SEED.engine],
      [SEED.workerDeploy, SEED.worker],
    ] as const) {
      if (app.store.get("deployEnv", deployId) === undefined && app.store.get<{ status: string }>("deploy", deployId)?.status === "live")
        captureDeployConfig(app, serviceId, deployId);
    }
  });
}

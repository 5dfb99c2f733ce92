import type * as pulumi from "@pulumi/pulumi";
import { ALPHASTACK_OWNER_ID } from "../alphastack/identity";
import { RenderClient } from "../render/client";
import { renderConfigFromEnv } from "../render/config";
import { isNotFound } from "../render/errors";
import { OutgoingRequest, RenderHttp } from "../render/http";
import { idsFromAlphaStackConfig, parseIdList, WriteGuard } from "./guard";

/**
 * Per-process state shared by every dynamic provider implementation: the stack config received through
 * `configure`, and one guarded Render client per (URL, key). Nothing here is serialized into Pulumi state: the
 * implementations are loaded at run time by `lazyProvider`, and the key is read from the environment.
 */

interface ProviderSettings {
  protectedIds: string[];
  productionOwnerIds: string[];
}

const settings: ProviderSettings = { protectedIds: [], productionOwnerIds: [] };

/** The workspace that holds production (AlphaStack's and ours): auto-deploy defaults to off there. */
export const PRODUCTION_OWNER_ID = ALPHASTACK_OWNER_ID;

/**
 * Applies the stack config a dynamic provider receives in `configure` (the whole stack config, namespaced).
 * Reads `stackguard:protectedIds`, `stackguard:alphaStack` (its ids) and `stackguard:productionOwnerIds`.
 */
function applyStackConfig(config: pulumi.dynamic.Config): void {
  const get = (k: string): string | undefined => {
    try {
      return config.get(k);
    } catch {
      return undefined;
    }
  };
  settings.protectedIds = [...parseIdList(get("stackguard:protectedIds")), ...idsFromAlphaStackConfig(get("stackguard:alphaStack"))];
  settings.productionOwnerIds = parseIdList(get("stackguard:productionOwnerIds"));
  clients.clear();
}

/** `configure` for every provider implementation. */
export async function configureProvider(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  applyStackConfig(req.config);
}

/** True when an owner id is a production workspace (auto-deploy off by default). */
export function isProductionOwner(ownerId: string): boolean {
  return ownerId === PRODUCTION_OWNER_ID || settings.productionOwnerIds.includes(ownerId);
}

/** How long a learned resource→environment or environment→status fact is trusted. */
const CACHE_TTL_MS = 5 * 60_000;

interface Cached<T> {
  value: T;
  at: number;
}

const clients = new Map<string, RenderClient>();
const guards = new WeakMap<RenderClient, WriteGuard>();

/**
 * Refuses to take over (adopt) an existing resource that is protected: adoption writes nothing, so the request-level
 * guard would not see it, yet it would put AlphaStack's resource under this program's management.
 */
export async function assertAdoptable(client: RenderClient, id: string, what: string): Promise<void> {
  const guard = guards.get(client);
  if (guard) await guard.check({ method: "PATCH", path: `/${what}/${id}` });
}

/** For tests: forget clients and learned facts (e.g. after an out-of-band change through the simulator). */
export function resetProviderContext(): void {
  clients.clear();
  settings.protectedIds = [];
  settings.productionOwnerIds = [];
}

/**
 * The Render client every provider uses: config from `RENDER_API_URL`/`RENDER_API_KEY`, the write guard installed,
 * and responses observed so that the guard learns each resource's environment without extra reads.
 */
export function providerClient(env: NodeJS.ProcessEnv = process.env): RenderClient {
  const config = renderConfigFromEnv(env);
  const extraIds = [...settings.protectedIds, ...parseIdList(env.STACKGUARD_PROTECTED_IDS)];
  const cacheKey = `${config.apiUrl}\u0000${config.apiKey}\u0000${extraIds.join(",")}`;
  const existing = clients.get(cacheKey);
  if (existing) return existing;

  const envOf = new Map<string, Cached<string | null>>();
  const statusOf = new Map<string, Cached<"protected" | "unprotected" | undefined>>();
  const linksOf = new Map<string, Cached<readonly string[] | undefined>>();
  const fresh = <T>(c: Cached<T> | undefined): c is Cached<T> => !!c && Date.now() - c.at < CACHE_TTL_MS;

  const learn = (data: unknown): void => {
    const rows = Array.isArray(data) ? data : [data];
    for (const row of rows) {
      if (!row || typeof row !== "object") continue;
      const r = row as Record<string, unknown>;
      const obj = (r.service ?? r.postgres ?? r.keyValue ?? r.envGroup ?? r) as Record<string, unknown>;
      if (typeof obj.id !== "string") continue;
      if (/^(srv|crn|evg|dpg|red)-/.test(obj.id) && ("ownerId" in obj || "owner" in obj)) {
        envOf.set(obj.id, { value: typeof obj.environmentId === "string" ? obj.environmentId : null, at: Date.now() });
      } else if (obj.id.startsWith("evm-") && (obj.protectedStatus === "protected" || obj.protectedStatus === "unprotected")) {
        statusOf.set(obj.id, { value: obj.protectedStatus, at: Date.now() });
      }
    }
  };

  // Assigned below, once the guard that the lookups serve exists: the guard and the client need each other.
  // eslint-disable-next-line prefer-const
  let client: RenderClient | undefined;
  const lookup = async <T>(fn: (c: RenderClient) => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn(client!);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
  const guard = new WriteGuard({
    extraIds,
    environmentOf: async (id) => {
      const c = envOf.get(id);
      if (fresh(c)) return c.value;
      const kind = id.slice(0, 3);
      const found =
        kind === "srv" || kind === "crn"
          ? await lookup((cl) => cl.services.get(id))
          : kind === "evg"
            ? await lookup((cl) => cl.envGroups.get(id))
            : kind === "dpg"
              ? await lookup((cl) => cl.postgres.get(id))
              : kind === "red"
                ? await lookup((cl) => cl.keyValue.get(id))
                : undefined;
      const value = found?.environmentId ?? null;
      envOf.set(id, { value, at: Date.now() });
      return value;
    },
    linksOf: async (id) => {
      const c = linksOf.get(id);
      if (fresh(c)) return c.value;
      const group = await lookup((cl) => cl.envGroups.get(id));
      const value = group ? (group.serviceLinks ?? []).map((l) => l.id) : undefined;
      linksOf.set(id, { value, at: Date.now() });
      return value;
    },
    statusOf: async (id) => {
      const c = statusOf.get(id);
      if (fresh(c)) return c.value;
      const env = await lookup((cl) => cl.workspace.getEnvironment(id));
      statusOf.set(id, { value: env?.protectedStatus, at: Date.now() });
      return env?.protectedStatus;
    },
  });
  const http = new RenderHttp({
    config,
    writeGuard: (req: OutgoingRequest) => guard.check(req),
    onResponse: (_req, data) => learn(data),
  });
  client = new RenderClient(http);
  guards.set(client, guard);
  clients.set(cacheKey, client);
  return client;
}

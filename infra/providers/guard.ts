import { ALPHASTACK_PROTECTED_IDS } from "../alphastack/identity";
import type { OutgoingRequest } from "../render/http";

/**
 * The provider-level guard: the last line of defence for AlphaStack production (docs/design.md, "The six protection layers", layer 5).
 *
 * Every non-GET request the providers' Render client sends passes through {@link WriteGuard.check} first (it is
 * installed as the client's `writeGuard`, so actions such as scale, suspend and deploy are covered as well as
 * create/update/delete). A request is refused, before anything is sent, when it names a protected id in its path
 * or in the ids of its body, or when a resource it names lives in a Render environment whose `protectedStatus` is
 * "protected". This holds whether or not a policy pack is loaded. Reads are never refused.
 *
 * Protected ids come from: the AlphaStack ids below (always), the stack config (`stackguard:protectedIds`, and the
 * ids in `stackguard:alphaStack`, received through the dynamic provider's `configure`), and the
 * `STACKGUARD_PROTECTED_IDS` environment variable (comma- or space-separated).
 */

/** AlphaStack production's ids (infra/alphastack/identity.ts). Read-only for this project, whatever the config says. */
export { ALPHASTACK_PROTECTED_IDS };

/** Thrown when a write targets something protected. The message says what, why and what to do instead. */
export class ProtectedResourceError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly target: string,
    readonly reason: string,
  ) {
    super(
      `stackguard guard refused ${method} ${path}: ${target} ${reason}. ` +
        "stackguard never changes AlphaStack production (or anything in a protected Render environment); " +
        "reference it read-only instead, or target a resource of your own.",
    );
    this.name = "ProtectedResourceError";
  }
}

/** Where a resource lives, as far as the guard is concerned. `null` = in no environment. */
type EnvLookup = (resourceId: string) => Promise<string | null | undefined>;
/** Protected status of an environment; undefined when it does not exist. */
type StatusLookup = (environmentId: string) => Promise<"protected" | "unprotected" | undefined>;

const RESOURCE_ID = /^(srv|crn|evg|dpg|red|evm|prj|cdm)-[a-z0-9]{8,}(-[a-z])?$/;
const ENV_SCOPED = /^(srv|crn|evg|dpg|red)-/;
/** Body keys whose values name resources (the other keys carry settings, names or secrets). */
const ID_KEYS = new Set(["serviceId", "serviceIds", "resourceIds", "environmentId", "envGroupId", "postgresId", "deployId"]);

/** Splits a list given as JSON array or comma/space separated text. */
export function parseIdList(raw: unknown): string[] {
  if (raw === undefined || raw === null || raw === "") return [];
  if (Array.isArray(raw)) return raw.flatMap(parseIdList);
  const s = String(raw).trim();
  if (s.startsWith("[")) {
    try {
      return parseIdList(JSON.parse(s));
    } catch {
      /* fall through to splitting */
    }
  }
  return s.split(/[\s,]+/).filter(Boolean);
}

/** Ids mentioned by the `stackguard:alphaStack` config object (services, envGroups, databases, domains, …). */
export function idsFromAlphaStackConfig(raw: unknown): string[] {
  let v = raw;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return [];
    }
  }
  if (!v || typeof v !== "object") return [];
  const o = v as Record<string, unknown>;
  return [o.environmentId, o.projectId, o.services, o.envGroups, o.databases, o.domains].flatMap(parseIdList);
}

/**
 * The form ids and domains are compared in: Render ids are lower case (`SRV-…` is no other resource), domains are
 * case-insensitive and may end in a dot.
 */
export function normalizeTarget(id: string): string {
  return id.trim().toLowerCase().replace(/\.+$/, "");
}

/** A replica `dpg-x-b` belongs to the primary `dpg-x-a`: protecting one protects both. */
function variants(raw: string): string[] {
  const id = normalizeTarget(raw);
  const m = /^(dpg-[a-z0-9]+)-[a-z]$/.exec(id);
  return m ? [id, m[1], `${m[1]}-a`] : [id];
}

/** Every resource id or domain a request names: path segments plus id-carrying body fields. */
export function targetsOf(req: OutgoingRequest): string[] {
  const out = new Set<string>();
  for (const seg of req.path.split("?")[0].split("/")) {
    if (!seg) continue;
    let s = seg;
    try {
      s = decodeURIComponent(seg);
    } catch {
      /* keep raw */
    }
    out.add(s);
  }
  const visit = (v: unknown, key: string | undefined, depth: number): void => {
    if (depth > 4 || v === null || v === undefined) return;
    if (Array.isArray(v)) v.forEach((x) => visit(x, key, depth + 1));
    else if (typeof v === "object") for (const [k, x] of Object.entries(v as Record<string, unknown>)) visit(x, k, depth + 1);
    else if (typeof v === "string" && key && ID_KEYS.has(key)) out.add(v);
  };
  visit(req.body, undefined, 0);
  // A custom domain's name is what it protects: adding AlphaStack's hostname to another service would steal it.
  if (req.method === "POST" && /\/custom-domains$/.test(req.path) && req.body && typeof (req.body as { name?: unknown }).name === "string") {
    out.add((req.body as { name: string }).name.toLowerCase());
  }
  return [...out];
}

/** Options for {@link WriteGuard}. */
export interface WriteGuardOptions {
  /** Extra protected ids (config, env); the AlphaStack ids are always included. */
  extraIds?: Iterable<string>;
  /** Finds the environment of an existing resource (GET), for the protected-environment rule. */
  environmentOf: EnvLookup;
  /** Finds an environment's protected status (GET). */
  statusOf: StatusLookup;
  /**
   * The services an env group is linked to (GET `/env-groups/{id}`, its `serviceLinks`). A value written into one of
   * our groups reaches every linked service at its next deploy, so a group linked to AlphaStack is AlphaStack's too.
   */
  linksOf?: (envGroupId: string) => Promise<readonly string[] | undefined>;
}

/** Decides whether a write may be sent. */
export class WriteGuard {
  private readonly ids = new Map<string, string>();

  constructor(private readonly opts: WriteGuardOptions) {
    for (const id of ALPHASTACK_PROTECTED_IDS) for (const v of variants(id)) this.ids.set(v, "is AlphaStack production (built in)");
    for (const id of opts.extraIds ?? [])
      for (const v of variants(id)) {
        if (!this.ids.has(v))
          this.ids.set(v, "is listed as protected (stack config stackguard:protectedIds / stackguard:alphaStack or STACKGUARD_PROTECTED_IDS)");
      }
  }

  /** True when the id (or its primary, for a replica) is protected by id. */
  isProtectedId(id: string): boolean {
    return variants(id).some((v) => this.ids.has(v));
  }

  /** Refuses (throws {@link ProtectedResourceError}) or returns. GETs always pass. */
  async check(req: OutgoingRequest): Promise<void> {
    if (req.method === "GET") return;
    const targets = targetsOf(req).map(normalizeTarget);
    for (const t of targets) {
      for (const v of variants(t)) {
        const why = this.ids.get(v);
        if (why) throw new ProtectedResourceError(req.method, req.path, t, why);
      }
    }
    // Protected environments: the environment a resource lives in, or the one a request names directly.
    const envs = new Set<string>();
    for (const t of targets) {
      if (!RESOURCE_ID.test(t)) continue;
      if (t.startsWith("evm-")) envs.add(t);
      else if (ENV_SCOPED.test(t)) {
        const env = await this.opts.environmentOf(t);
        if (env) {
          if (this.ids.has(env)) throw new ProtectedResourceError(req.method, req.path, t, `lives in protected environment ${env}`);
          envs.add(env);
        }
      }
    }
    // Env groups: read their links first. Writing into a group AlphaStack is linked to changes AlphaStack's env.
    if (this.opts.linksOf) {
      for (const t of targets) {
        if (!/^evg-/.test(t) || !RESOURCE_ID.test(t)) continue;
        for (const raw of (await this.opts.linksOf(t)) ?? []) {
          const linked = normalizeTarget(raw);
          if (this.isProtectedId(linked))
            throw new ProtectedResourceError(
              req.method,
              req.path,
              t,
              `is linked to ${linked}, which ${this.ids.get(variants(linked).find((v) => this.ids.has(v))!)}`,
            );
          const env = ENV_SCOPED.test(linked) ? await this.opts.environmentOf(linked) : undefined;
          if (env && this.ids.has(env))
            throw new ProtectedResourceError(req.method, req.path, t, `is linked to ${linked}, which lives in protected environment ${env}`);
          if (env) envs.add(env);
        }
      }
    }
    for (const env of envs) {
      if ((await this.opts.statusOf(env)) === "protected") {
        throw new ProtectedResourceError(req.method, req.path, env, 'is a Render environment whose protectedStatus is "protected"');
      }
    }
  }
}

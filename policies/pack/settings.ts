import { Baseline, BaselineEntry, stackBaseline } from "../config";
import { configObject, stackConfigFromEnv } from "../lib/context";
import { AlphaStackHosts } from "../../infra/config/alphastack-urls";
import { ALPHASTACK_NAMES, ProtectedSet } from "../lib/protected";

/**
 * Settings several policies derive from the same sources: the stack's own `stackguard:alphaStack` config (as the
 * engine exports it to the pack), the baseline, and the policy's config. Sources only add to the built-in set.
 */

interface AlphaStackConfig {
  ownerId?: string;
  environmentId?: string;
  services?: string[];
  envGroups?: string[];
  databases?: string[];
  domains?: string[];
  statusPath?: string;
}

function alphaStackConfig(): AlphaStackConfig {
  const v = configObject(stackConfigFromEnv(), "stackguard:alphaStack");
  return v && typeof v === "object" && !Array.isArray(v) ? (v as AlphaStackConfig) : {};
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

const sets = new Map<string, ProtectedSet>();

/**
 * The protected set for a stack: built-in + stack config + baseline ids + extras. Built once per distinct input
 * (its matcher is a compiled regular expression), not once per resource.
 */
export function protectedSetFor(baseline: Baseline, stack: string, extras: readonly string[]): ProtectedSet {
  const key = JSON.stringify([stack, extras, stackBaseline(baseline, stack).resources.map((e) => e.id), process.env.PULUMI_CONFIG ?? ""]);
  const hit = sets.get(key);
  if (hit) return hit;
  const built = buildProtectedSet(baseline, stack, extras);
  sets.set(key, built);
  return built;
}

function buildProtectedSet(baseline: Baseline, stack: string, extras: readonly string[]): ProtectedSet {
  const a = alphaStackConfig();
  // The owner is shared with this project's production, so it is not protected by itself (docs/design.md, "The six protection layers").
  const fromConfig = [a.environmentId, ...list(a.services), ...list(a.envGroups), ...list(a.databases), ...list(a.domains)].filter(
    (x): x is string => typeof x === "string",
  );
  return new ProtectedSet([...fromConfig, ...stackBaseline(baseline, stack).resources.map((e) => e.id), ...extras]);
}

/** Read-only URLs of AlphaStack: its status endpoint on each of its domains. */
export function readOnlyUrlsFor(extra: readonly string[]): string[] {
  const a = alphaStackConfig();
  const path = typeof a.statusPath === "string" && a.statusPath.startsWith("/") ? a.statusPath : "/healthz";
  const domains = list(a.domains).length ? list(a.domains) : ["engine.alphastack.example"];
  return [...domains.map((d) => `https://${d}${path}`), ...extra];
}

/** Baseline entries of a stack by URN. */
export function entriesByUrn(baseline: Baseline, stack: string): Map<string, BaselineEntry> {
  return new Map(stackBaseline(baseline, stack).resources.map((e) => [e.urn, e]));
}

const hostCache = new Map<string, AlphaStackHosts>();

/**
 * AlphaStack's network addresses for the URL checks: its domains, its Render ids, its service names (private-network
 * hosts and `onrender.com` slugs), and any IP or `host:port` listed in `extraProtected`.
 */
export function alphaStackHostsFor(set: ProtectedSet, extras: readonly string[]): AlphaStackHosts {
  const key = JSON.stringify([set.list().map((e) => e.token), extras]);
  const hit = hostCache.get(key);
  if (hit) return hit;
  const entries = set.list();
  const hosts = new AlphaStackHosts({
    domains: entries.filter((e) => e.kind === "host").map((e) => e.token),
    ids: entries.filter((e) => e.kind === "id").map((e) => e.token),
    names: [...Object.keys(ALPHASTACK_NAMES), ...entries.filter((e) => e.kind === "name").map((e) => e.token)],
    addresses: extras.filter((x) => /^\d{1,3}(\.\d{1,3}){3}(:\d+)?$|^\[?[0-9a-f:]+\]?$|:\d+$|^[a-z]+:\/\//i.test(x.trim())),
  });
  hostCache.set(key, hosts);
  return hosts;
}

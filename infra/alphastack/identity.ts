/**
 * AlphaStack production's identity: the one list of what stackguard must never change. The provider write guard,
 * the policy pack, the alert model, the guardian and the program all derive their lists from here, and
 * `test/unit/alphastack/identity.test.ts` checks every entry against the embedded Render's seed (which mirrors the
 * real workspace's fixed ids). Adding a resource here protects it everywhere at once.
 */

/** What kind of Render object an entry is (for messages and id-shape checks). */
type AlphaStackKind = "project" | "environment" | "service" | "database" | "envGroup" | "domain";

/** One AlphaStack production resource. */
export interface AlphaStackResource {
  /** Render's id, or for a custom domain its host name (what a write would name). */
  id: string;
  kind: AlphaStackKind;
  /** The resource's name on Render, where the providers could create-or-adopt it by name. */
  name?: string;
  /** How messages call it, e.g. `AlphaStack's engine service`. */
  label: string;
}

/** AlphaStack's workspace (Render owner). Our own production services live there too, so it is not write-protected. */
export const ALPHASTACK_OWNER_ID = "tea-alphastackprod000000";

/** The discovery engine: the service whose health every promotion is guarded by and the guardian watches. */
export const ALPHASTACK_ENGINE_ID = "srv-alphastackengine0000";

/** Every AlphaStack production resource, read-only for this project whatever the config says. */
export const ALPHASTACK_RESOURCES: readonly AlphaStackResource[] = [
  { id: "prj-alphastackprod000000", kind: "project", label: "AlphaStack's project" },
  { id: "evm-alphastackprod000000", kind: "environment", label: "AlphaStack's production environment" },
  { id: ALPHASTACK_ENGINE_ID, kind: "service", name: "alphastack-engine", label: "AlphaStack's engine service" },
  { id: "srv-alphastackworker0000", kind: "service", name: "alphastack-worker", label: "AlphaStack's worker service" },
  { id: "dpg-alphastackdb00000000-a", kind: "database", name: "alphastack-db", label: "AlphaStack's database" },
  { id: "evg-alphastackenv0000000", kind: "envGroup", name: "alphastack-env", label: "AlphaStack's env group" },
  { id: "engine.alphastack.example", kind: "domain", label: "AlphaStack's engine domain" },
];

/** The ids (and the engine's host name) a write may never name. */
export const ALPHASTACK_PROTECTED_IDS: readonly string[] = ALPHASTACK_RESOURCES.map((r) => r.id);

/** Resource name → label, for the resources that have a name. */
export const ALPHASTACK_NAMES: Readonly<Record<string, string>> = Object.fromEntries(ALPHASTACK_RESOURCES.flatMap((r) => (r.name ? [[r.name, r.label]] : [])));

/** Id → label (with the name when there is one), for messages. */
export const ALPHASTACK_LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  ALPHASTACK_RESOURCES.map((r) => [r.id, r.name ? `${r.label} (${r.name})` : r.label]),
);

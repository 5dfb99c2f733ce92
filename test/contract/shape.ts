/**
 * Structural comparison of a recorded Render response with the simulator's: same JSON types (null is its own
 * type), same object keys in the same order, same array lengths, ids with the same prefix, timestamps where
 * Render had timestamps. Values themselves may differ (ids, times, random suffixes).
 */
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const ID_PREFIX = /^([a-z]{3})-[a-z0-9]{20}(-[a-z])?$/;

/**
 * Keys Render added after some recordings were made; the simulator answers with today's shape and may carry them
 * where an older recording does not. Each entry: key → why it is allowed.
 */
export const LATER_FIELDS: Record<string, string> = {
  autoDeployTrigger: "services: added in 2025 (present in every 2025+ recording, absent in 2024 ones)",
  networkIsolationEnabled: "environments: present from the May-2025 recordings on, absent in January 2025",
  ipAllowList: "environments: present in the 2026 recordings, absent before",
};

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** Differences between a recorded and an actual body; empty when they have the same shape. */
export function shapeDiff(recorded: unknown, actual: unknown, path = "$"): string[] {
  const rt = typeOf(recorded);
  const at = typeOf(actual);
  if (rt !== at) return [`${path}: recorded ${rt}, simulator ${at}`];
  if (rt === "string") {
    const r = recorded as string;
    const a = actual as string;
    if (TIME.test(r) && !TIME.test(a)) return [`${path}: recorded an RFC 3339 UTC time, simulator ${JSON.stringify(a)}`];
    const rp = ID_PREFIX.exec(r)?.[1];
    if (rp && ID_PREFIX.exec(a)?.[1] !== rp) return [`${path}: recorded a ${rp}- id, simulator ${JSON.stringify(a)}`];
    return [];
  }
  if (rt === "array") {
    const r = recorded as unknown[];
    const a = actual as unknown[];
    if (r.length !== a.length) return [`${path}: recorded ${r.length} items, simulator ${a.length}`];
    return r.flatMap((v, i) => shapeDiff(v, a[i], `${path}[${i}]`));
  }
  if (rt === "object") {
    const r = recorded as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const out: string[] = [];
    const rk = Object.keys(r);
    const ak = Object.keys(a).filter((k) => k in r || !(k in LATER_FIELDS));
    for (const k of rk) if (!(k in a)) out.push(`${path}.${k}: missing in the simulator's answer`);
    for (const k of ak) if (!(k in r)) out.push(`${path}.${k}: not in Render's answer`);
    const common = rk.filter((k) => k in a);
    const order = Object.keys(a).filter((k) => k in r);
    if (common.join(",") !== order.join(",")) out.push(`${path}: key order ${order.join(",")} differs from Render's ${common.join(",")}`);
    for (const k of common) out.push(...shapeDiff(r[k], a[k], `${path}.${k}`));
    return out;
  }
  return [];
}

/**
 * Fields whose recorded values the simulator must reproduce exactly (states, derived flags, echoed settings), not
 * only their type. Everything else (ids, times, cursors, generated secrets, random suffixes) may differ.
 */
export const SEMANTIC_KEYS = new Set([
  "status",
  "trigger",
  "domainType",
  "verificationStatus",
  "notifyOnFail",
  "pullRequestPreviewsEnabled",
  "autoDeploy",
  "autoDeployTrigger",
  "suspended",
  "plan",
  "region",
  "runtime",
  "env",
  "role",
  "version",
  "numInstances",
  "healthCheckPath",
  "generation",
  "redirectForName",
  "publicSuffix",
  "setting",
  "preview",
  "protectedStatus",
  "networkIsolationEnabled",
  "key",
  "content",
  "buildCommand",
  "publishPath",
  "dockerCommand",
  "dockerContext",
  "dockerfilePath",
  "preDeployCommand",
  "startCommand",
  "imagePath",
  "ref",
  "rootDir",
  "branch",
  "repo",
  "mountPath",
  "sizeGB",
  "diskSizeGB",
  "highAvailabilityEnabled",
  "diskAutoscalingEnabled",
  "databaseUser",
  "notificationsToSend",
  "previewNotificationsEnabled",
  "emailEnabled",
  "slackEnabled",
  "endpoint",
  "buildPlan",
  "finishedAt",
]);

/** Keys whose values depend on elapsed time (life-cycle states). */
export const TIMED_KEYS = new Set(["status", "finishedAt"]);

/**
 * Value differences on {@link SEMANTIC_KEYS} (`finishedAt` only as null vs set). With `timed: false`, the
 * time-dependent keys are left out (the replay could not keep to the recorded timeline for this interaction).
 */
export function valueDiff(recorded: unknown, actual: unknown, opts: { timed: boolean } = { timed: true }, path = "$", key = ""): string[] {
  if (recorded && actual && typeof recorded === "object" && typeof actual === "object") {
    if (Array.isArray(recorded) !== Array.isArray(actual)) return [];
    return Object.keys(recorded).flatMap((k) =>
      valueDiff(
        (recorded as Record<string, unknown>)[k],
        (actual as Record<string, unknown>)[k],
        opts,
        `${path}${Array.isArray(recorded) ? `[${k}]` : `.${k}`}`,
        Array.isArray(recorded) ? key : k,
      ),
    );
  }
  if (!SEMANTIC_KEYS.has(key) || (!opts.timed && TIMED_KEYS.has(key))) return [];
  const same = key === "finishedAt" ? (recorded === null) === (actual === null) : JSON.stringify(recorded) === JSON.stringify(actual);
  return same ? [] : [`${path}: Render had ${JSON.stringify(recorded)}, simulator ${JSON.stringify(actual)}`];
}

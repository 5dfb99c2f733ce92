import { inputsHash, UnknownInputError } from "../lib/canonical";
import { ProtectedEntry, ProtectedSet } from "../lib/protected";
import { str, stringsIn } from "../lib/values";
import type { BaselineEntry } from "../config";
import {
  compliant,
  describeResource,
  notApplicable,
  ResourceFacts,
  RuleResult,
  StackResourceFacts,
  TYPES,
  violations,
} from "./types";

/**
 * The AlphaStack freeze (DESIGN.md, layers 2 and 3). CrossGuard shows only the new inputs of each resource, not the
 * operation, so "no create/update/replace/delete that acts on AlphaStack" becomes: no resource of this stack may
 * carry an input that targets AlphaStack, except the references pinned in the baseline, whose inputs must hash to
 * their pin (so they cannot change) and which must still be present (so they cannot be deleted or renamed).
 */

/** Input keys whose value names the resource a write goes to. */
export const TARGET_KEYS: ReadonlySet<string> = new Set([
  "serviceId", "serviceIds", "envGroupId", "envGroupIds", "postgresId", "postgresIds", "databaseId", "resourceId",
  "resourceIds", "environmentId", "projectId", "domainId", "targetId", "targetServiceId",
]);

/** Types whose `name` is how the provider finds (and adopts) an existing Render resource. */
const ADOPT_BY_NAME: ReadonlySet<string> = new Set([TYPES.service, TYPES.envGroup, TYPES.postgres]);

/** Settings for {@link alphaStackFrozen}. */
export interface FreezeSettings {
  protectedSet: ProtectedSet;
  /** URL prefixes that only read from AlphaStack (its status endpoint). */
  readOnlyUrls: readonly string[];
  /** URNs pinned as managed AlphaStack references: checked by {@link alphaStackReferencePinned} instead. */
  pinnedUrns: ReadonlySet<string>;
}

const FIX = "AlphaStack production is read-only for stackguard: point this at a resource of your own, or read AlphaStack with <Resource>.get(name, id)";

function listOf(found: ProtectedEntry[]): string {
  return found.map((e) => `${e.token} (${e.label})`).join(", ");
}

/**
 * The engine registers the `pulumi-nodejs` provider with the entire stack config as its inputs (that is how dynamic
 * providers get `stackguard:alphaStack`); those inputs configure, they target nothing.
 */
export function isProviderConfig(r: { type: string }): boolean {
  return r.type === "pulumi:providers:pulumi-nodejs";
}

/**
 * The action of an alert rule's inputs: `rule.action.type` (infra/providers/alert-rule.ts), or a plain `action`
 * string/object at the top level; undefined when it has none.
 */
export function alertActionOf(props: Record<string, unknown> | undefined): string | undefined {
  const rule = props?.rule as Record<string, unknown> | undefined;
  const a = (rule && typeof rule === "object" ? rule.action : undefined) ?? props?.action;
  if (typeof a === "string") return a;
  if (a && typeof a === "object") return str((a as Record<string, unknown>).type);
  return undefined;
}

/** True when an alert rule only notifies (no action, or action "none"). */
export function onlyNotifies(props: Record<string, unknown> | undefined): boolean {
  const action = alertActionOf(props);
  return action === undefined || action === "none" || action === "notify";
}

/** Alert rules may watch AlphaStack, but only to notify: an action (rollback, kill switch) would act on it. */
function observerAllowed(r: ResourceFacts): boolean {
  return r.type === TYPES.alertRule && onlyNotifies(r.props);
}

/**
 * `alphastack-frozen`: no resource may act on AlphaStack production: target one of its ids (services, env groups,
 * links, env vars, secret files, domains, database, environment), claim its domain, reuse its resource names, run a
 * command that mentions it, or carry its ids, hosts or connection strings in any input. A read-only status URL is
 * allowed, and so is an alert rule that only notifies.
 */
export function alphaStackFrozen(r: ResourceFacts, s: FreezeSettings): RuleResult {
  if (s.pinnedUrns.has(r.urn)) return notApplicable("a pinned AlphaStack reference: alphastack-references-pinned checks it");
  if (isProviderConfig(r)) return notApplicable("the dynamic provider's inputs are the whole stack config, which names AlphaStack to protect it");
  const who = describeResource(r);
  const out: string[] = [];
  const isCommand = r.type === TYPES.localCommand || r.type === TYPES.remoteCommand;

  if (r.type === TYPES.customDomain) {
    const host = str(r.props.name);
    const hit = host ? s.protectedSet.mentions(host) : [];
    if (hit.length) out.push(`${who} must not claim AlphaStack's domain: name is ${host} (${hit[0].label}). Use a host name of your own; AlphaStack's domains never move.`);
  }
  if (ADOPT_BY_NAME.has(r.type)) {
    const name = str(r.props.name);
    const e = name ? s.protectedSet.exact(name) : undefined;
    if (name && e) out.push(`${who} must not use AlphaStack's resource name "${name}" (${e.label}): the provider adopts an existing resource of the same name. Choose another name.`);
  }
  for (const at of stringsIn(r.props, new Set(["__provider"]))) {
    const found = s.protectedSet.mentions(at.value, isCommand);
    if (!found.length) continue;
    if (isCommand) {
      out.push(`${who} must not run a command against AlphaStack production: ${at.path} mentions ${listOf(found)}. Remove the command; ${FIX}.`);
    } else if (observerAllowed(r)) {
      continue; // an alert rule that only notifies watches AlphaStack, it does not act on it
    } else if (r.type === TYPES.alertRule) {
      out.push(`${who} must not act on AlphaStack production: it watches ${listOf(found)} (${at.path}) with action "${alertActionOf(r.props)}". Set the rule's action to { type: "none" } (notify only) for rules on AlphaStack.`);
    } else if (at.key !== undefined && TARGET_KEYS.has(at.key)) {
      out.push(`${who} must not act on AlphaStack production: ${at.path} targets ${listOf(found)}. ${FIX}.`);
    } else if (s.readOnlyUrls.some((u) => at.value.startsWith(u)) && !/[\s;&|`$]/.test(at.value)) {
      continue; // a status probe of AlphaStack: reads only
    } else {
      out.push(`${who} must not refer to AlphaStack production: ${at.path} contains ${listOf(found)}. ${FIX}; only its status URL may be referenced.`);
    }
  }
  return violations(out);
}

/**
 * `alphastack-references-pinned`: a resource pinned in the baseline as a managed AlphaStack reference carries
 * `protect`, has no `ignoreChanges`, and its inputs hash to the pin. One pinned as a `.get` reference must not be
 * registered as a managed resource at all.
 */
export function alphaStackReferencePinned(r: ResourceFacts, entry: BaselineEntry | undefined): RuleResult {
  if (!entry) return notApplicable("not a pinned AlphaStack reference");
  const who = describeResource(r);
  if (entry.mode === "read") {
    return violations([`${who} must not be a managed resource: the baseline pins it as a read-only reference to ${entry.id}. Read it with <Resource>.get("${r.name}", "${entry.id}") instead of creating it.`]);
  }
  const out: string[] = [];
  if (!r.opts.protect) out.push(`${who} must carry protect: true: it represents AlphaStack ${entry.id}, and protect makes the engine refuse to delete or replace it.`);
  if (r.opts.ignoreChanges.length) out.push(`${who} must not set ignoreChanges (${r.opts.ignoreChanges.join(", ")}): it represents AlphaStack ${entry.id}, and ignoreChanges would hide a change to it. Remove the option.`);
  try {
    const now = inputsHash(r.props);
    if (now !== entry.inputsHash) {
      out.push(`${who} must keep the inputs pinned in the baseline: they hash to ${now.slice(0, 19)}…, the pin is ${entry.inputsHash?.slice(0, 19)}…. Revert the change to this AlphaStack reference; if AlphaStack itself changed, regenerate the pin with npm run baseline and have the diff reviewed.`);
    }
  } catch (e) {
    if (!(e instanceof UnknownInputError)) throw e;
    out.push(`${who} must have inputs known at preview: it represents AlphaStack ${entry.id} and its pin cannot be checked against values computed during the update. Use literal values.`);
  }
  return violations(out);
}

/**
 * `alphastack-references-present` (stack policy): every managed baseline entry is still in the stack and still
 * protected. Deleted resources are absent from a stack policy's view, so a removal or a rename (which deletes the old
 * URN) shows up here.
 *
 * `read` entries (`.get` references) are not checked here: the engine leaves external (read) resources out of what it
 * sends to stack policies, in preview and in update alike (verified with the v3.248.0 engine), just as reads never
 * reach resource policies. The gate checks them instead, in the preview's step stream (lib/gate.ts).
 */
export function alphaStackReferencesPresent(resources: readonly StackResourceFacts[], entries: readonly BaselineEntry[]): RuleResult {
  const managed = entries.filter((e) => e.mode === "managed");
  if (!managed.length) return notApplicable("the baseline pins no managed AlphaStack reference for this stack (read references are checked by the gate)");
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const out: string[] = [];
  for (const e of managed) {
    const r = byUrn.get(e.urn);
    if (!r) {
      out.push(`The stack must still hold the AlphaStack reference ${e.urn} (${e.id}): it is pinned in the baseline but missing. Restore it; removing or renaming it is a change to AlphaStack's representation. If it is intended, regenerate the baseline with npm run baseline and have the diff reviewed.`);
      continue;
    }
    if (!r.opts.protect) out.push(`${describeResource(r)} must carry protect: true: it represents AlphaStack ${e.id}.`);
  }
  return out.length ? violations(out) : compliant;
}

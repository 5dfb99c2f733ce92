import { AlphaStackHosts, isReadOnlyUrl, normalizeUrl, urlsIn } from "../../infra/config/alphastack-urls";
import { isAlphaStack } from "../../infra/alerts/protected";
import { signalSpec } from "../../infra/alerts/signals";
import { inputsHash, UnknownInputError } from "../lib/canonical";
import { commandLines, scriptsOf } from "../lib/commands";
import { ProtectedEntry, ProtectedSet } from "../lib/protected";
import { str, stringsIn } from "../lib/values";
import type { BaselineEntry } from "../config";
import { compliant, describeResource, notApplicable, ResourceFacts, RuleResult, StackResourceFacts, TYPES, violations } from "./types";

/**
 * The AlphaStack freeze (docs/design.md, layers 2 and 3). CrossGuard shows only the new inputs of each resource, not the
 * operation, so "no create/update/replace/delete that acts on AlphaStack" becomes: no resource of this stack may
 * carry an input that targets AlphaStack, except the references pinned in the baseline, whose inputs must hash to
 * their pin (so they cannot change) and which must still be present (so they cannot be deleted or renamed).
 */

/** Input keys whose value names the resource a write goes to. */
export const TARGET_KEYS: ReadonlySet<string> = new Set([
  "serviceId",
  "serviceIds",
  "envGroupId",
  "envGroupIds",
  "postgresId",
  "postgresIds",
  "databaseId",
  "resourceId",
  "resourceIds",
  "environmentId",
  "projectId",
  "domainId",
  "targetId",
  "targetServiceId",
]);

/** Types whose `name` is how the provider finds (and adopts) an existing Render resource. */
const ADOPT_BY_NAME: ReadonlySet<string> = new Set([TYPES.service, TYPES.envGroup, TYPES.postgres, TYPES.keyValue]);

/** Settings for {@link alphaStackFrozen}. */
export interface FreezeSettings {
  protectedSet: ProtectedSet;
  /** URLs that only read from AlphaStack (its status endpoint); matched after normalization (see isReadOnlyUrl). */
  readOnlyUrls: readonly string[];
  /** AlphaStack's network addresses in every spelling (domains, ids, onrender.com slugs, IPs). */
  hosts?: AlphaStackHosts;
  /** The project root: repository scripts a command runs are read from here and scanned too. */
  projectRoot?: string;
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
 * Why an alert rule with an action acts on AlphaStack, by the same test the AlertRule model applies
 * (infra/alerts/rule.ts): an AlphaStack signal (`alphastack.*`), a target that is AlphaStack (by id, name, or any
 * `alphastack…` name), or an action whose app or flag is AlphaStack's. Undefined when it does not (or only notifies).
 */
export function alertRuleActsOnAlphaStack(props: Record<string, unknown>, extra: readonly string[] = []): string | undefined {
  if (onlyNotifies(props)) return undefined;
  const rule = (props.rule && typeof props.rule === "object" ? props.rule : props) as Record<string, unknown>;
  const signal = str(rule.signal);
  let spec: { target?: string } | undefined;
  try {
    spec = signal ? (signalSpec(signal as never) as { target?: string } | undefined) : undefined;
  } catch {
    spec = undefined;
  }
  if (spec?.target === "alphastack" || (signal && /^alphastack[._-]/i.test(signal))) return `its signal ${signal} is AlphaStack's`;
  const target = typeof rule.target === "string" ? rule.target : undefined;
  if (isAlphaStack(target, extra)) return `its target ${target} is AlphaStack`;
  const action = rule.action && typeof rule.action === "object" ? (rule.action as Record<string, unknown>) : {};
  for (const k of ["app", "flag", "service", "serviceId"]) {
    const v = str(action[k]);
    if (isAlphaStack(v, extra)) return `its action's ${k} ${v} is AlphaStack`;
  }
  return undefined;
}

/** Keys whose values are where the edge (or a switch) sends traffic: AlphaStack's status URL is no exemption there. */
const TRAFFIC_KEYS: ReadonlySet<string> = new Set(["EDGE_APPS", "EDGE_ROUTES", "blue", "green", "upstream", "upstreams", "proxyPass", "backend", "origin"]);

/** True when the input at `path` is where traffic goes (edge upstreams, a switch's slot URLs). */
function isTrafficInput(r: ResourceFacts, path: string, key: string | undefined): boolean {
  if (key === undefined || r.type === TYPES.alertRule) return false;
  if (r.type === TYPES.trafficSwitch && /^slots\.[a-z]+\.url$/.test(path)) return true;
  return TRAFFIC_KEYS.has(key) || /(^|_)(UPSTREAM|UPSTREAMS|BACKEND|ORIGIN|PROXY_TARGET)(_|$)/i.test(key);
}

/** Where an input string sends requests to AlphaStack: every URL in it (JSON text included), normalized. */
function alphaStackUrlsIn(value: string, hosts: AlphaStackHosts): Array<{ url: string; why: string }> {
  const out: Array<{ url: string; why: string }> = [];
  const candidates = new Set(urlsIn(value));
  if (normalizeUrl(value)) candidates.add(value.trim());
  for (const url of candidates) {
    const why = hosts.matchUrl(url);
    if (why) out.push({ url, why });
  }
  return out;
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
    if (hit.length)
      out.push(`${who} must not claim AlphaStack's domain: name is ${host} (${hit[0].label}). Use a host name of your own; AlphaStack's domains never move.`);
  }
  if (ADOPT_BY_NAME.has(r.type)) {
    const name = str(r.props.name);
    const e = name ? s.protectedSet.exact(name) : undefined;
    if (name && e)
      out.push(
        `${who} must not use AlphaStack's resource name "${name}" (${e.label}): the provider adopts an existing resource of the same name. Choose another name.`,
      );
  }
  if (isCommand && s.projectRoot) {
    // A command that runs a repository script acts through the script's body, which no input shows.
    for (const script of scriptsOf(commandLines(r.props), s.projectRoot, str(r.props.dir))) {
      const found = s.protectedSet.mentions(script.content, true);
      const urls = s.hosts ? alphaStackUrlsIn(script.content, s.hosts) : [];
      if (found.length || urls.length) {
        out.push(
          `${who} must not run a script that acts on AlphaStack production: ${script.path} mentions ${[...found.map((e) => `${e.token} (${e.label})`), ...urls.map((u) => `${u.url} (${u.why})`)].join(", ")}. Remove the command or the AlphaStack part of the script; ${FIX}.`,
        );
      }
    }
  }
  if (r.type === TYPES.alertRule) {
    const why = alertRuleActsOnAlphaStack(
      r.props,
      s.protectedSet.list().map((e) => e.token),
    );
    if (why)
      out.push(
        `${who} must not act on AlphaStack production: ${why} and its action is "${alertActionOf(r.props)}". Set the rule's action to { type: "none" } (notify only) for rules on AlphaStack.`,
      );
  }
  for (const at of stringsIn(r.props, new Set(["__provider", "stackguardProviderDigest"]))) {
    if (s.hosts && !at.path.endsWith("(key)")) {
      const traffic = isTrafficInput(r, at.path, at.key);
      const readOnly = !traffic && !isCommand && isReadOnlyUrl(at.value, s.readOnlyUrls);
      const hits = readOnly ? [] : alphaStackUrlsIn(at.value, s.hosts);
      if (hits.length && traffic) {
        out.push(
          `${who} must not send traffic to AlphaStack production: ${at.path} routes to ${hits.map((h) => `${h.url} (${h.why})`).join(", ")}. Routes and slots point at this project's own services only; AlphaStack's engine is never an upstream.`,
        );
        continue;
      }
      if (hits.length && !isCommand && !observerAllowed(r)) {
        out.push(
          `${who} must not refer to AlphaStack production: ${at.path} contains ${hits.map((h) => `${h.url} (${h.why})`).join(", ")}. ${FIX}; only its status URL may be referenced.`,
        );
        continue;
      }
    }
    const found = s.protectedSet.mentions(at.value, isCommand);
    if (!found.length) continue;
    if (isCommand) {
      out.push(`${who} must not run a command against AlphaStack production: ${at.path} mentions ${listOf(found)}. Remove the command; ${FIX}.`);
    } else if (observerAllowed(r)) {
      continue; // an alert rule that only notifies watches AlphaStack, it does not act on it
    } else if (r.type === TYPES.alertRule) {
      out.push(
        `${who} must not act on AlphaStack production: it watches ${listOf(found)} (${at.path}) with action "${alertActionOf(r.props)}". Set the rule's action to { type: "none" } (notify only) for rules on AlphaStack.`,
      );
    } else if (at.key !== undefined && TARGET_KEYS.has(at.key)) {
      out.push(`${who} must not act on AlphaStack production: ${at.path} targets ${listOf(found)}. ${FIX}.`);
    } else if (isReadOnlyUrl(at.value, s.readOnlyUrls)) {
      continue; // a status probe of AlphaStack (normalized first: `/healthz/../admin` is not one)
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
    return violations([
      `${who} must not be a managed resource: the baseline pins it as a read-only reference to ${entry.id}. Read it with <Resource>.get("${r.name}", "${entry.id}") instead of creating it.`,
    ]);
  }
  const out: string[] = [];
  if (!r.opts.protect)
    out.push(`${who} must carry protect: true: it represents AlphaStack ${entry.id}, and protect makes the engine refuse to delete or replace it.`);
  if (r.opts.ignoreChanges.length)
    out.push(
      `${who} must not set ignoreChanges (${r.opts.ignoreChanges.join(", ")}): it represents AlphaStack ${entry.id}, and ignoreChanges would hide a change to it. Remove the option.`,
    );
  try {
    const now = inputsHash(r.props);
    if (now !== entry.inputsHash) {
      out.push(
        `${who} must keep the inputs pinned in the baseline: they hash to ${now.slice(0, 19)}…, the pin is ${entry.inputsHash?.slice(0, 19)}…. Revert the change to this AlphaStack reference; if AlphaStack itself changed, regenerate the pin with npm run baseline and have the diff reviewed.`,
      );
    }
  } catch (e) {
    if (!(e instanceof UnknownInputError)) throw e;
    out.push(
      `${who} must have inputs known at preview: it represents AlphaStack ${entry.id} and its pin cannot be checked against values computed during the update. Use literal values.`,
    );
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
      out.push(
        `The stack must still hold the AlphaStack reference ${e.urn} (${e.id}): it is pinned in the baseline but missing. Restore it; removing or renaming it is a change to AlphaStack's representation. If it is intended, regenerate the baseline with npm run baseline and have the diff reviewed.`,
      );
      continue;
    }
    if (!r.opts.protect) out.push(`${describeResource(r)} must carry protect: true: it represents AlphaStack ${e.id}.`);
  }
  return out.length ? violations(out) : compliant;
}

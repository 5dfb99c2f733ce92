import type { BreakGlass } from "../config";
import { at, isUnknown, Props, str } from "../lib/values";
import { describeResource, Environment, notApplicable, ResourceFacts, RuleResult, TYPES, violations } from "./types";

/**
 * Blue/green safety (docs/design.md, "Blue/green on Render"): a traffic switch moves live traffic between two slots, so
 * both slots answer a health check, and a switch is always bracketed by a pre-switch analysis (on the idle slot)
 * and a post-switch analysis (over the bake window, with automatic switch-back). `force` skips those checks and is
 * allowed in production only under a reviewed, unexpired break-glass entry.
 */

/** A non-empty analysis spec: a name, or an object with at least one setting. */
function hasAnalysis(v: unknown): boolean {
  if (isUnknown(v)) return true; // computed by another resource: known at update time, checked then
  if (typeof v === "string") return v.trim().length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return !!v && typeof v === "object" && Object.keys(v as Props).length > 0;
}

/**
 * A slot's identity: its service id, whether the slot is given as the TrafficSwitch provider takes it
 * (`{serviceId, url}`) or as a bare id; undefined when not known yet.
 */
function slotIdentity(v: unknown): string | undefined {
  if (typeof v === "string") return isUnknown(v) ? undefined : v;
  if (v && typeof v === "object" && !Array.isArray(v)) return str((v as Props).serviceId);
  return undefined;
}

/** `traffic-switch-analysed`: slots blue and green, a health check path, pre- and post-switch analysis. */
export function trafficSwitchAnalysed(r: ResourceFacts): RuleResult {
  if (r.type !== TYPES.trafficSwitch) return notApplicable("not a traffic switch");
  const who = describeResource(r);
  const p = r.props;
  const out: string[] = [];
  const blue = at(p, "slots.blue");
  const green = at(p, "slots.green");
  if (!blue || !green) out.push(`${who} must name both slots (slots.blue and slots.green service ids): a switch needs somewhere to go back to.`);
  else if (slotIdentity(blue) !== undefined && slotIdentity(blue) === slotIdentity(green)) {
    out.push(`${who} must have two different slots: slots.blue and slots.green are both ${slotIdentity(blue)}.`);
  }
  const hc = p.healthCheckPath;
  if (!isUnknown(hc) && !(typeof hc === "string" && hc.startsWith("/"))) {
    out.push(`${who} must set healthCheckPath to a path such as /healthz: a slot that cannot be health-checked must not take traffic.`);
  }
  if (!hasAnalysis(at(p, "analysis.preSwitch"))) out.push(`${who} must define analysis.preSwitch: the idle slot is analysed before any traffic moves to it.`);
  if (!hasAnalysis(at(p, "analysis.postSwitch")))
    out.push(`${who} must define analysis.postSwitch: the bake-window analysis is what switches back automatically on failure.`);
  return violations(out);
}

/** Slot services follow the `<app>-blue` / `<app>-green` naming of the blue/green component. */
export function slotOf(r: ResourceFacts): { app: string; color: "blue" | "green" } | undefined {
  const name = str(r.props.name) ?? r.name;
  const m = /^(.+)-(blue|green)$/.exec(name);
  return m ? { app: m[1], color: m[2] as "blue" | "green" } : undefined;
}

/** `blue-green-slot-health-check`: every blue/green slot is a web service with a health check path. */
export function slotHealthChecked(r: ResourceFacts): RuleResult {
  if (r.type !== TYPES.service) return notApplicable("not a Render service");
  const slot = slotOf(r);
  if (!slot) return notApplicable("not a blue/green slot");
  const hc = r.props.healthCheckPath;
  if (isUnknown(hc) || (typeof hc === "string" && hc.startsWith("/"))) return violations([]);
  return violations([
    `${describeResource(r)} must set healthCheckPath (e.g. /healthz): it is the ${slot.color} slot of ${slot.app}, and a slot without a health check can take traffic while broken.`,
  ]);
}

/** `blue-green-slot-no-persistent-disk`: a disk on a slot disables Render's zero-downtime deploys. */
export function slotWithoutDisk(r: ResourceFacts): RuleResult {
  if (r.type !== TYPES.service) return notApplicable("not a Render service");
  const slot = slotOf(r);
  if (!slot) return notApplicable("not a blue/green slot");
  const disk = r.props.disk ?? r.props.disks ?? r.props.persistentDisk;
  if (disk === undefined || disk === null || (Array.isArray(disk) && !disk.length)) return violations([]);
  return violations([
    `${describeResource(r)} must not have a persistent disk: it is the ${slot.color} slot of ${slot.app}, and a disk turns off Render's zero-downtime deploys (the old instance stops before the new one starts). Keep state in the database or object storage.`,
  ]);
}

/** Settings for {@link forceNeedsBreakGlass}. */
export interface BreakGlassSettings {
  environment: Environment;
  breakGlass: readonly BreakGlass[];
  maxValidityHours: number;
  now: Date;
}

/** `traffic-switch-force-break-glass`: `force` in production only with a reviewed, current break-glass entry. */
export function forceNeedsBreakGlass(r: ResourceFacts, s: BreakGlassSettings): RuleResult {
  if (r.type !== TYPES.trafficSwitch) return notApplicable("not a traffic switch");
  if (s.environment !== "production") return notApplicable("force is allowed outside production");
  const force = r.props.force;
  if (force !== true && !isUnknown(force)) return violations([]);
  const who = describeResource(r);
  const app = str(r.props.app) ?? r.name;
  const fix = `Add a break-glass entry {app: "${app}", reason, requestedBy, reviewer, expires} to this policy's config (policies/config/production.json), reviewed by someone else, expiring within ${s.maxValidityHours} h, or remove force.`;
  const entries = s.breakGlass.filter((b) => b.app === app);
  if (!entries.length)
    return violations([`${who} must not set force in production without a reviewed break-glass entry: force skips the pre- and post-switch analysis. ${fix}`]);
  const now = s.now.getTime();
  const current = entries.filter((b) => Date.parse(b.expires) > now);
  if (!current.length)
    return violations([`${who} must not set force: the break-glass entry for ${app} expired at ${entries.map((b) => b.expires).join(", ")}. ${fix}`]);
  const bounded = current.filter((b) => Date.parse(b.expires) - now <= s.maxValidityHours * 3_600_000);
  if (!bounded.length)
    return violations([
      `${who} must not set force: the break-glass entry for ${app} expires more than ${s.maxValidityHours} h from now (${current[0].expires}), which would make it permanent. ${fix}`,
    ]);
  return violations([]);
}

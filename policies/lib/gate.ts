import { AlphaStackHosts, isReadOnlyUrl, urlsIn } from "../../infra/config/alphastack-urls";
import { onlyNotifies } from "../rules/alphastack";
import { ALPHASTACK_NAMES, ProtectedSet } from "./protected";
import { stringsIn } from "./values";

/**
 * The preview gate's judgement over the engine's event stream (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi
 * preview --json`): the plain JSON digest drops policy events, the stream keeps both the steps and the policy
 * violations. A step other than same/read that touches AlphaStack fails the gate, whatever the policies said.
 */

/** The parts of a step (`resourcePreEvent.metadata`) the gate reads. */
export interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  old?: { id?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> } | null;
  new?: { id?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> } | null;
}

/** A policy violation as the engine streams it. */
export interface PolicyViolation {
  policyName: string;
  enforcementLevel: string;
  resourceUrn?: string;
  message: string;
}

/** What the gate found. */
export interface GateReport {
  steps: StepMetadata[];
  /** Changing steps that touch AlphaStack, with why. */
  touching: Array<{ op: string; urn: string; reasons: string[] }>;
  violations: PolicyViolation[];
  /** `.get` references pinned in the baseline whose read step is missing or reads another id. */
  missingReads: string[];
  /** Error diagnostics of the preview (other than the final "preview failed"). */
  errors: string[];
  /** Steps by operation. */
  summary: Record<string, number>;
  /** The engine's own verdict from its summary event. */
  engineResult?: string;
}

/** Operations that change nothing. */
export function isNonChange(op: string): boolean {
  return op === "same" || op === "refresh" || op.startsWith("read");
}

/** Why a step touches AlphaStack (empty when it does not). */
/** AlphaStack's addresses as the gate knows them: the protected set's domains, ids and names, plus `addresses`. */
export function gateHosts(set: ProtectedSet, addresses: readonly string[] = []): AlphaStackHosts {
  const entries = set.list();
  return new AlphaStackHosts({
    domains: entries.filter((e) => e.kind === "host").map((e) => e.token),
    ids: entries.filter((e) => e.kind === "id").map((e) => e.token),
    names: [...Object.keys(ALPHASTACK_NAMES), ...entries.filter((e) => e.kind === "name").map((e) => e.token)],
    addresses,
  });
}

export function touchesAlphaStack(
  step: StepMetadata,
  set: ProtectedSet,
  pinnedUrns: ReadonlySet<string>,
  readOnlyUrls: readonly string[],
  hosts: AlphaStackHosts = gateHosts(set),
): string[] {
  if (step.type === "pulumi:providers:pulumi-nodejs") return []; // its inputs are the stack config, which names AlphaStack
  // An alert rule that only notifies watches AlphaStack without acting on it (same as alphastack-frozen).
  if (/stackguard:AlertRule$/.test(step.type) && onlyNotifies(step.new?.inputs ?? undefined) && onlyNotifies(step.old?.inputs ?? undefined)) return [];
  const reasons = new Set<string>();
  if (pinnedUrns.has(step.urn)) reasons.add("it is an AlphaStack reference pinned in the baseline");
  for (const side of [step.old, step.new]) {
    if (!side) continue;
    if (side.id && set.exact(side.id)) reasons.add(`its id is ${set.exact(side.id)!.token} (${set.exact(side.id)!.label})`);
    for (const part of [side.inputs, side.outputs]) {
      for (const at of stringsIn(part ?? {}, new Set(["__provider"]))) {
        if (isReadOnlyUrl(at.value, readOnlyUrls)) continue; // normalized: no `/healthz/../admin`
        // URLs (in JSON text too) whose host is AlphaStack's in any spelling: onrender.com slugs, ids, its addresses.
        for (const url of urlsIn(at.value)) {
          const why = hosts.matchUrl(url);
          if (why) reasons.add(`${at.path} sends requests to ${url} (${why})`);
        }
        for (const e of set.mentions(at.value, step.type.startsWith("command:"))) reasons.add(`${at.path} mentions ${e.token} (${e.label})`);
      }
    }
  }
  return [...reasons];
}

/** A baseline pin as the gate needs it. */
export interface GatePin {
  urn: string;
  id: string;
  mode: "read" | "managed";
}

/** The fields of one line of `pulumi preview --json --event-log` the gate reads (anything else is ignored). */
interface EngineEventLine {
  resourcePreEvent?: { metadata?: StepMetadata };
  policyEvent?: { policyName: string; enforcementLevel: string; resourceUrn?: string; message?: unknown };
  diagnosticEvent?: { severity?: string; message?: unknown };
  summaryEvent?: { result?: string };
}

/**
 * Reads the event stream (one JSON object per line) into a {@link GateReport}. `.get` references never reach the
 * policy pack, so the gate is where a read pin is checked: its read step must still be there, reading the same id.
 */
export function analyseEvents(text: string, set: ProtectedSet, pins: readonly GatePin[], readOnlyUrls: readonly string[]): GateReport {
  const pinnedUrns = new Set(pins.map((p) => p.urn));
  const report: GateReport = { steps: [], touching: [], violations: [], missingReads: [], errors: [], summary: {} };
  const changing: StepMetadata[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    let e: EngineEventLine;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e.resourcePreEvent?.metadata) {
      const m = e.resourcePreEvent.metadata as StepMetadata;
      report.steps.push(m);
      report.summary[m.op] = (report.summary[m.op] ?? 0) + 1;
      if (!isNonChange(m.op)) changing.push(m);
    } else if (e.policyEvent) {
      const p = e.policyEvent;
      report.violations.push({ policyName: p.policyName, enforcementLevel: p.enforcementLevel, resourceUrn: p.resourceUrn, message: String(p.message ?? "") });
    } else if (e.diagnosticEvent?.severity === "error") {
      const msg = String(e.diagnosticEvent.message ?? "").trim();
      if (msg && !/^(preview|update) failed$/.test(msg)) report.errors.push(msg);
    } else if (e.summaryEvent) {
      report.engineResult = e.summaryEvent.result;
    }
  }
  // AlphaStack's own URLs as read at this preview (a `.get` of its services reports its url): an upstream at that
  // address (an IP, a loopback port on the simulator) is AlphaStack whatever host name it is written with.
  const addresses = report.steps
    .filter((s) => isNonChange(s.op) && ((s.new?.id && set.exact(s.new.id)) || pinnedUrns.has(s.urn)))
    .flatMap((s) =>
      stringsIn(s.new?.outputs ?? {})
        .filter((x) => x.key === "url" || x.key === "serviceUrl")
        .map((x) => x.value),
    );
  const hosts = gateHosts(set, addresses);
  for (const m of changing) {
    const reasons = touchesAlphaStack(m, set, pinnedUrns, readOnlyUrls, hosts);
    if (reasons.length) report.touching.push({ op: m.op, urn: m.urn, reasons });
  }
  for (const pin of pins.filter((p) => p.mode === "read")) {
    const step = report.steps.find((s) => s.urn === pin.urn);
    const id = step?.new?.id ?? step?.old?.id;
    if (!step)
      report.missingReads.push(
        `${pin.urn} no longer reads ${pin.id}: restore the .get, or regenerate the baseline (npm run baseline) and have the diff reviewed`,
      );
    else if (!step.op.startsWith("read")) report.missingReads.push(`${pin.urn} must stay a .get of ${pin.id}, but its step is ${step.op}`);
    else if (id && id !== pin.id) report.missingReads.push(`${pin.urn} must read ${pin.id}, but reads ${id}`);
  }
  return report;
}

/** True when the gate passes: the engine succeeded, no mandatory violation, no changing step touches AlphaStack. */
export function gatePasses(r: GateReport, exitCode: number): boolean {
  return exitCode === 0 && !r.errors.length && !r.touching.length && !r.missingReads.length && !r.violations.some((v) => v.enforcementLevel === "mandatory");
}

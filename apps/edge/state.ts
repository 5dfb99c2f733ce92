import { randomBytes } from "node:crypto";
import { ActiveMapSchema, type Slot } from "../../infra/edge-contract/slots";
import { EdgeStateSchema, MAX_EVENTS, MAX_LINEAGE, type EdgeEvent, type EdgeState, type Verdict } from "../../infra/edge-contract/state";

// The document's shape is part of the edge's wire contract (infra/edge-contract/state.ts); its transitions live here.
export { MAX_EVENTS, MAX_LINEAGE, type EdgeEvent, type EdgeState, type Verdict } from "../../infra/edge-contract/state";
export { other } from "../../infra/edge-contract/slots";

/**
 * Reads `EDGE_ACTIVE` in either form: the plain map Pulumi writes at creation (`{"api":"blue"}`, version 0) or the
 * versioned document the edge writes. Throws naming the field when neither fits.
 */
export function parseState(raw: unknown, source: string): EdgeState {
  const doc = EdgeStateSchema.safeParse(raw);
  if (doc.success) return doc.data;
  const map = ActiveMapSchema.safeParse(raw);
  if (map.success) return { version: 0, updatedAt: new Date(0).toISOString(), by: "config", active: map.data, verdicts: {}, events: [], ext: {} };
  const i = doc.error.issues[0];
  throw new Error(`${source}: expected {"<app>":"blue"|"green"} or the edge's state document; ${i.path.join(".") || "(root)"}: ${i.message}`);
}

/** The id of a document (derived for a document written without one: Pulumi's plain map, older edges). */
export function docId(doc: EdgeState): string {
  return doc.id ?? `v${doc.version}/${doc.updatedAt}/${doc.by}`.slice(0, 80);
}

/** True when `doc` is the write `id` or was made on top of it. */
export function includes(doc: EdgeState, id: string): boolean {
  return docId(doc) === id || (doc.lineage ?? []).includes(id);
}

/**
 * Makes `next` (a mutation's output) the child of `parent`: the next version, a fresh id, the parent's id appended
 * to the lineage. The one place a new document gets its identity.
 */
export function seal(next: EdgeState, parent: EdgeState, writer: string): EdgeState {
  const pid = docId(parent);
  return {
    ...next,
    version: parent.version + 1,
    id: `${writer.replace(/[^\w.-]/g, "_").slice(0, 40)}-${parent.version + 1}-${randomBytes(6).toString("hex")}`,
    parent: pid,
    lineage: [...(parent.lineage ?? []), pid].slice(-MAX_LINEAGE),
  };
}

/** Total order of documents: true when `a` supersedes `b`. */
export function isNewer(a: EdgeState, b: EdgeState): boolean {
  if (a.version !== b.version) return a.version > b.version;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt;
  return a.by > b.by;
}

/** Same content (ignores nothing: two documents equal only when byte-identical after serialisation). */
export function sameState(a: EdgeState, b: EdgeState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Fills in apps the document does not know yet (new in `EDGE_APPS`) from `fallback`, else `blue`. */
export function withApps(doc: EdgeState, apps: readonly string[], fallback: Record<string, Slot>): EdgeState {
  const missing = apps.filter((a) => !doc.active[a]);
  if (missing.length === 0) return doc;
  const active = { ...doc.active };
  for (const a of missing) active[a] = fallback[a] ?? "blue";
  return { ...doc, active };
}

function bump(doc: EdgeState, by: string, at: string): EdgeState {
  return { ...doc, version: doc.version + 1, updatedAt: at, by };
}

function pushEvent(events: EdgeEvent[], e: EdgeEvent): EdgeEvent[] {
  return [...events, e].slice(-MAX_EVENTS);
}

/** The document after switching `app` to `slot` (a new version with a `switch` or `auto-rollback` event). */
export function applySwitch(
  doc: EdgeState,
  s: { app: string; slot: Slot; by: string; reason: string; kind: "switch" | "auto-rollback"; forced?: boolean; at?: string },
): EdgeState {
  const at = s.at ?? new Date().toISOString();
  const next = bump(doc, s.by, at);
  const from = doc.active[s.app];
  next.active = { ...doc.active, [s.app]: s.slot };
  next.events = pushEvent(doc.events, {
    at,
    kind: s.kind,
    app: s.app,
    from,
    to: s.slot,
    ...(s.forced ? { forced: true } : {}),
    reason: s.reason,
    by: s.by,
    version: next.version,
  });
  return next;
}

/** The document after recording an analysis verdict on a slot. */
export function applyVerdict(doc: EdgeState, v: { app: string; slot: Slot; phase: Verdict["phase"]; reason: string; by: string; at?: string }): EdgeState {
  const at = v.at ?? new Date().toISOString();
  const next = bump(doc, v.by, at);
  next.verdicts = { ...doc.verdicts, [v.app]: { ...doc.verdicts[v.app], [v.slot]: { phase: v.phase, reason: v.reason, at, by: v.by } } };
  next.events = pushEvent(doc.events, { at, kind: "analysis", app: v.app, slot: v.slot, reason: `${v.phase}: ${v.reason}`, by: v.by, version: next.version });
  return next;
}

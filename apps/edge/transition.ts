import { MAX_EVENTS, MAX_LINEAGE, docId, type EdgeEvent, type EdgeState } from "./state";

/**
 * The rules a new version of the shared state must keep relative to the one it follows: the one place that judges
 * a document this instance did not make itself (a peer's push today; a document read after a compare-and-set on a
 * shared store, should the state move to one). Returns why `next` is refused, or undefined.
 *
 * - it is the next version, made from `prev` (`parent`, `lineage`);
 * - events are appended, never rewritten: the events of `prev` stay (only the oldest fall off the capped list) and
 *   every new one carries the new version;
 * - a slot only becomes active with a `switch` or `auto-rollback` event saying so; a plain switch to a slot whose
 *   last analysis `Failed` must say `forced`; an automatic rollback must record the `Failed` verdict on the slot
 *   it leaves and may not go to a slot that failed;
 * - a verdict only changes with an `analysis` event for that slot;
 * - extension sections only change to what their extension accepts (`verifyExt`), and unknown sections are refused.
 */
export function verifyTransition(
  prev: EdgeState,
  next: EdgeState,
  verifyExt: (name: string, section: unknown) => string | undefined = () => undefined,
): string | undefined {
  if (next.version !== prev.version + 1) return `version ${next.version} is not the next version after ${prev.version}`;
  if (next.parent !== docId(prev)) return "the document was not made from the one held here";
  const lineage = [...(prev.lineage ?? []), docId(prev)].slice(-MAX_LINEAGE);
  if (canon(next.lineage ?? []) !== canon(lineage)) return "lineage does not extend the held document's";

  const added = next.events.filter((e) => e.version === next.version);
  if (added.length > 2) return `${added.length} events in one version (at most 2: a verdict and a switch)`;
  if (canon(next.events) !== canon([...prev.events, ...added].slice(-MAX_EVENTS))) return "events were rewritten or removed (they may only be appended)";

  const apps = new Set([...Object.keys(prev.active), ...Object.keys(next.active)]);
  for (const app of apps) {
    const from = prev.active[app];
    const to = next.active[app];
    if (from === to) continue;
    if (to === undefined) return `active.${app}: an app may not be dropped`;
    const ev = added.find((e: EdgeEvent) => (e.kind === "switch" || e.kind === "auto-rollback") && e.app === app && e.to === to && e.from === from);
    if (!ev) return `active.${app}: changed from ${from} to ${to} without a switch event`;
    const target = next.verdicts[app]?.[to];
    if (ev.kind === "switch" && target?.phase === "Failed" && !ev.forced)
      return `active.${app}: ${to} failed its last analysis; only a forced switch may activate it`;
    if (ev.kind === "auto-rollback") {
      if (target?.phase === "Failed") return `active.${app}: an automatic rollback may not go to ${to}, which failed its last analysis`;
      if (!from || next.verdicts[app]?.[from]?.phase !== "Failed") return `active.${app}: an automatic rollback must record the Failed verdict on ${from}`;
    }
  }
  for (const app of new Set([...Object.keys(prev.verdicts), ...Object.keys(next.verdicts)])) {
    for (const slot of ["blue", "green"] as const) {
      if (canon(prev.verdicts[app]?.[slot]) === canon(next.verdicts[app]?.[slot])) continue;
      if (!added.some((e) => e.kind === "analysis" && e.app === app && e.slot === slot)) return `verdicts.${app}.${slot}: changed without an analysis event`;
    }
  }
  for (const name of new Set([...Object.keys(prev.ext), ...Object.keys(next.ext)])) {
    if (canon(prev.ext[name]) === canon(next.ext[name])) continue;
    const why = verifyExt(name, next.ext[name]);
    if (why) return `ext.${name}: ${why}`;
  }
  return undefined;
}

/** JSON with object keys sorted, so documents built in different key orders compare equal. */
function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

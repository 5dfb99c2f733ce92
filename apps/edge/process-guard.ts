/**
 * The edge's process-level policy for errors nothing caught.
 *
 * Every request path already answers its own errors (see `Edge.route`), so what reaches here is a bug: a rejected
 * promise nobody awaited, or an exception thrown from a timer or an event handler. Node's default is to exit, which
 * for the edge means every custom domain goes down because of one bad request, until Render restarts the instance.
 *
 * The choice:
 * - **Unhandled rejection: log and keep serving, always.** A rejected promise has unwound its own stack; the shared
 *   state is only ever replaced whole (one assignment), so a half-done change cannot be observed. Rejections do not
 *   count towards the budget below, so a request that still found a way to leave one behind cannot be repeated to
 *   drain the edge.
 * - **Uncaught exception: log and keep serving, within a budget.** A synchronous throw may have interrupted code
 *   half-way, so an instance that keeps throwing is presumed corrupt: more than `maxFaults` such exceptions within
 *   `windowMs` drains the instance gracefully (requests in flight finish) and exits non-zero, and Render
 *   replaces it. That is safe because nothing the edge needs lives only in its memory: the active slots, verdicts,
 *   flags and rules are durable in the store and on the peers.
 *
 * Log lines carry the error's name, message and the top of its stack, never request data (which may hold tokens).
 */
export interface ProcessGuardOptions {
  log: (msg: string) => void;
  /** Called once when the fault budget is exhausted: drain and exit. */
  onFatal: (reason: string) => void;
  /** Faults tolerated within `windowMs` (default 20). */
  maxFaults?: number;
  windowMs?: number;
  /** The process to guard (tests pass an EventEmitter). */
  target?: Pick<NodeJS.Process, "on">;
}

/** Installs the handlers; returns a counter of faults seen so far. */
export function installProcessGuard(o: ProcessGuardOptions): { faults(): number } {
  const max = o.maxFaults ?? 20;
  const windowMs = o.windowMs ?? 60_000;
  const recent: number[] = [];
  let total = 0;
  let fatal = false;
  const describe = (e: unknown) => {
    if (!(e instanceof Error)) return `non-error value of type ${typeof e}`;
    const top = (e.stack ?? "")
      .split("\n")
      .slice(1, 4)
      .map((l) => l.trim())
      .join(" | ");
    return `${e.name}: ${e.message.slice(0, 300)}${top ? ` (${top})` : ""}`;
  };
  const fault = (kind: string, e: unknown, budgeted: boolean) => {
    total++;
    if (!budgeted) return o.log(`${kind} (kept serving): ${describe(e)}`);
    const now = Date.now();
    recent.push(now);
    while (recent.length && recent[0]! <= now - windowMs) recent.shift();
    o.log(`${kind} (kept serving; ${recent.length} of ${max} tolerated per ${windowMs / 1000} s): ${describe(e)}`);
    if (recent.length > max && !fatal) {
      fatal = true;
      o.onFatal(`${recent.length} unexpected errors within ${windowMs / 1000} s`);
    }
  };
  const target = o.target ?? process;
  target.on("unhandledRejection", (e: unknown) => fault("unhandled rejection", e, false));
  target.on("uncaughtException", (e: unknown) => fault("uncaught exception", e, true));
  return { faults: () => total };
}

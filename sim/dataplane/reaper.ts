import type { ChildProcess } from "node:child_process";

/**
 * Every child process the data plane started and has not yet seen exit. When the simulator process exits, or gets
 * SIGINT/SIGTERM that nobody else handles, they are stopped with it: the data plane never leaves orphans behind.
 */
const live = new Set<ChildProcess>();
let installed = false;

function killAll(signal: NodeJS.Signals): void {
  for (const c of live) {
    try {
      c.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  killAll("SIGTERM");
  // When nobody else handles the signal, keep Node's default (terminate), which our listener would otherwise cancel.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", () => killAll("SIGKILL"));
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** Tracks a child until it exits. */
export function track(child: ChildProcess): void {
  install();
  live.add(child);
  child.once("exit", () => live.delete(child));
}

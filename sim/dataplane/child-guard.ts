/**
 * Preloaded (`node -r`) into every child app the data plane starts: when the simulator dies without a chance to stop
 * its children (SIGKILL, crash), the child is re-parented, and this guard then terminates it, so no orphan keeps a
 * port or a CPU busy. The app's own SIGTERM handler still runs (a graceful stop), with a hard exit as a backstop.
 */
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(timer);
  setTimeout(() => process.exit(1), 5_000).unref();
  process.kill(process.pid, "SIGTERM");
}, 500);
timer.unref();
export {};

/**
 * Child-process entry: runs the slot servers named in argv and prints `{"<name>":"<url>",…}` on one line, so a
 * benchmark's load generator, the edge and the slots do not share one event loop.
 */
import { startSlotServer } from "../../test/support/slot-server";

void (async () => {
  const out: Record<string, string> = {};
  for (const name of process.argv.slice(2)) out[name] = (await startSlotServer(name)).url;
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.on("SIGTERM", () => process.exit(0));
})();

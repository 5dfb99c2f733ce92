/**
 * The edge router's entry point (`node -r ts-node/register/transpile-only apps/edge/index.ts`). Reads its settings
 * from the environment (see README.md), refuses to start on bad input, and drains on SIGTERM.
 */
import { EdgeConfigError, loadConfig } from "./config";
import { Edge } from "./edge";
import { loadExtensions } from "./extensions";
import { installProcessGuard } from "./process-guard";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof EdgeConfigError) {
      process.stderr.write(`edge: invalid configuration: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const edge = new Edge(config, { extensions: loadExtensions(process.env) });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    edge.log(`${signal}: draining`);
    edge.stop().then(
      () => process.exit(signal === "fault budget" ? 1 : 0),
      (e) => {
        edge.log(`shutdown failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  // Log, don't exit, on an error nothing caught (see process-guard.ts for the budget and why).
  installProcessGuard({
    log: edge.log,
    onFatal: (reason) => {
      edge.log(`${reason}: presuming this instance corrupt; draining and exiting so Render replaces it`);
      shutdown("fault budget");
      setTimeout(() => process.exit(1), config.shutdownGraceMs + 5_000).unref();
    },
  });
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  await edge.start();
}

main().catch((e) => {
  process.stderr.write(`edge: failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});

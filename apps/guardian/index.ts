/**
 * The guardian's entry point (`node -r ts-node/register/transpile-only apps/guardian/index.ts`; on Render a
 * background worker from image `stackguard/guardian:<tag>`). Reads its settings from the environment (see
 * README.md), refuses to start on bad input, and stops cleanly on SIGTERM.
 */
import { GuardianConfigError, loadGuardianConfig } from "./config";
import { Guardian } from "./guardian";

function main(): void {
  let config;
  try {
    config = loadGuardianConfig(process.env);
  } catch (e) {
    if (e instanceof GuardianConfigError) {
      process.stderr.write(`guardian: invalid configuration: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const guardian = new Guardian(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`guardian: ${signal}: stopping\n`);
    // Give queued notifications and actions in flight a few seconds (Render waits before SIGKILL), then leave.
    void guardian
      .stop(5_000)
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  guardian.start();
}

main();

/**
 * A simulator stand-in for the orphan tests: starts a data plane running two `test/fixtures/apps/echo` instances, prints
 * `READY <pids>` and waits to be killed. Usage: `node -r ts-node/register/transpile-only orphan-host.ts <stateDir>`.
 */
import { DataPlane } from "../../../sim/dataplane";
import { FIXTURES } from "./helpers";

async function main(): Promise<void> {
  const dp = new DataPlane({ stateDir: process.argv[2], repoRoot: FIXTURES, startTimeoutMs: 30_000 });
  const r = await dp.apply({
    id: "srv-orphanhost000000000",
    name: "orphan",
    slug: "orphan",
    type: "web_service",
    deployId: "dep-orphanhost000000000",
    image: "stackguard/echo:1",
    env: {},
    secretFiles: {},
    healthCheckPath: "/healthz",
    numInstances: 2,
    suspended: false,
    customDomains: [],
  });
  if (!r.started) throw new Error(r.reason);
  process.stdout.write(`READY ${JSON.stringify(dp.pids("srv-orphanhost000000000"))}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});

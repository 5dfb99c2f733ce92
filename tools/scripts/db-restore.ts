/**
 * `npm run db:restore -- --stack <stack> --to <RFC 3339 time> [--yes] [--timeout-seconds <n>] [--json]`
 *
 * Point-in-time recovery of the stack's Postgres into a new database, verified, then the apps repointed through a
 * reviewed `pulumi up` (the steps: infra/ops/restore.ts; the procedure: docs/recovery.md). Without `--yes` it stops
 * after printing the preview; the recovered database exists and `Pulumi.<stack>.yaml` names it, ready for review.
 * AlphaStack's database is refused at every layer: here, by the provider write guard, by the config schema and by
 * the policy pack.
 *
 * With `RENDER_API_URL` set it talks to that API with `RENDER_API_KEY`; without it, to the embedded Render (started in
 * the background when not running), like `npm run pulumi`.
 *
 * Exit codes (infra/cli/define-cli.ts): 0 done (or stopped after the preview without --yes); 1 Render or pulumi failed; 2 bad input, before
 * anything changed.
 */
import * as path from "node:path";
import { defineCli, resolveStack, runCli, stackConfig, stackOption } from "../../infra/cli/define-cli";
import { RestoreInputError } from "../../infra/ops/restore-errors";
import { restoreStackDatabase, type RestoreRecord } from "../../infra/ops/restore";
import { spawn } from "node:child_process";
import type { GateRunner, PulumiRunner } from "../../infra/ops/pulumi-runner";
import { idsFromAlphaStackConfig } from "../../infra/providers/guard";
import { providerClient } from "../../infra/providers/context";
import type { RenderClient } from "../../infra/render";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npm run db:restore -- --stack <stack> --to <RFC 3339 time, e.g. 2026-11-27T00:30:00Z> [--yes] [--timeout-seconds <n>] [--json]";

/** The default runner: the pinned pulumi CLI with the project's environment (tools/scripts/pulumi.js). */
function defaultPulumi(root: string): PulumiRunner {
  return async (args, extraEnv = {}) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { preparePulumi, runPulumi } = require("./pulumi.js");
    const { env } = await preparePulumi({ quiet: true });
    const r = await runPulumi([...args, "--non-interactive"], { env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true", ...extraEnv }, capture: true, cwd: root });
    return { code: r.code, stdout: r.stdout, stderr: "" };
  };
}

/** The default gate: `npm run gate -- --stack <stack> --out-dir <dir>` in the project (its report on stdout). */
function defaultGate(root: string): GateRunner {
  return (stack, outDir) =>
    new Promise((resolve, reject) => {
      const child = spawn("npm", ["run", "--silent", "gate", "--", "--stack", stack, "--out-dir", outDir], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
    });
}

/** A Render client with the providers' write guard, protecting the stack config's AlphaStack ids as well as the built-in ones. */
async function guardedClient(alphaStackIds: string[], log: (m: string) => void): Promise<RenderClient> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumiEnv = require("./lib/pulumi-env") as {
    isEmbedded(): boolean;
    ensureEmbeddedRender(log: (m: string) => void): Promise<{ apiUrl: string; apiKey: string }>;
  };
  const protectedIds = [process.env.STACKGUARD_PROTECTED_IDS ?? "", ...alphaStackIds].filter(Boolean).join(",");
  if (!pulumiEnv.isEmbedded()) {
    if (!process.env.RENDER_API_KEY)
      throw new RestoreInputError(
        "RENDER_API_KEY",
        "RENDER_API_URL is set but RENDER_API_KEY is not: export your Render API key, or unset RENDER_API_URL to use the embedded Render",
      );
    return providerClient({ ...process.env, STACKGUARD_PROTECTED_IDS: protectedIds });
  }
  const sim = await pulumiEnv.ensureEmbeddedRender(log);
  return providerClient({ RENDER_API_URL: sim.apiUrl, RENDER_API_KEY: sim.apiKey, STACKGUARD_PROTECTED_IDS: protectedIds });
}

/** Injected in tests: the project directory, the Render client, the pulumi runner, the output sinks. */
export interface RestoreDeps {
  root?: string;
  client?: RenderClient;
  pulumi?: PulumiRunner;
  gate?: GateRunner;
  policyArgs?: string[];
  pollMs?: number;
  out?: (text: string) => void;
  log?: (line: string) => void;
  /** Receives the record of a successful run. */
  onRecord?: (r: RestoreRecord) => void;
}

/** CLI entry; returns the exit code (infra/cli/define-cli.ts). */
export async function main(argv: string[], deps: RestoreDeps = {}): Promise<number> {
  const log = deps.log ?? ((m: string) => process.stderr.write(`[db:restore] ${m}\n`));
  const out = deps.out ?? ((t: string) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`));
  const root = deps.root ?? ROOT;
  return defineCli({
    usage: USAGE,
    name: "error",
    options: { ...stackOption, to: { type: "string" }, yes: { type: "boolean" }, json: { type: "boolean" }, "timeout-seconds": { type: "string" } },
    run: async ({ values }) => {
      // Bad input fails here, before the simulator is started or Render is called.
      const stack = resolveStack(values.stack as string | undefined);
      const to = values.to as string | undefined;
      if (!to) throw new RestoreInputError("--to", "is required, e.g. --to 2026-11-27T00:30:00Z");
      let timeoutMs: number | undefined;
      if (values["timeout-seconds"] !== undefined) {
        const n = Number(values["timeout-seconds"]);
        if (!Number.isInteger(n) || n <= 0) throw new RestoreInputError("--timeout-seconds", "must be a whole number of seconds above 0");
        timeoutMs = n * 1000;
      }
      let cfg;
      try {
        cfg = stackConfig(stack, root);
      } catch (e) {
        throw new RestoreInputError("--stack", (e as Error).message);
      }
      const client = deps.client ?? (await guardedClient(idsFromAlphaStackConfig(cfg.alphaStack), log));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const policyArgs = deps.policyArgs ?? (require("./lib/policy-args") as { policyPackArgs(s: string): string[] }).policyPackArgs(stack);
      const record = await restoreStackDatabase({
        stack,
        to,
        yes: Boolean(values.yes),
        root,
        client,
        pulumi: deps.pulumi ?? defaultPulumi(root),
        gate: deps.gate ?? defaultGate(root),
        policyArgs,
        timeoutMs,
        pollMs: deps.pollMs,
        log,
        print: out,
      });
      deps.onRecord?.(record);
      if (values.json) out(JSON.stringify(record, null, 2));
      else
        out(
          `${record.applied ? "restored" : "recovered (not yet applied)"}: stack '${record.stack}' ${record.applied ? "now uses" : "will use"} ${record.restored.id} (${record.restored.name}), ${record.source.id} at ${record.restored.restoreTime}; recovery took ${(record.recoveryMs / 1000).toFixed(1)} s`,
        );
      return 0;
    },
  })(argv, { out, err: log });
}

if (require.main === module) runCli((argv) => main(argv));

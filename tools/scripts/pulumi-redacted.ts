/**
 * `pulumi <args>` as `npm run pulumi -- <args>` runs it (the pinned CLI, the project's environment), with everything
 * it prints redacted (infra/ops/pulumi-output.ts): plan-violation values cut out, the secret environment values,
 * the stack's secret config values and the secret values of its state replaced by `[REDACTED]`, credential shapes
 * masked. Output is streamed line by line; the exit code is pulumi's.
 *
 * Used by the workflow scripts (.github/scripts/pulumi-up.sh, post-deploy-check.sh, pulumi-preview.sh) for every
 * pulumi command whose output reaches a CI log. The stack comes from `--stack <s>` (or `-s <s>`) in the arguments.
 *
 * Usage: ts-node --transpile-only tools/scripts/pulumi-redacted.ts <pulumi args…>
 */
import { spawn } from "node:child_process";
import { PulumiOutputRedactor, secretEnvValues, stackSecretsForRedaction } from "../../infra/ops/pulumi-output";
import type { PulumiRun, PulumiRunner } from "../../infra/ops/pulumi-runner";

interface Wrapper {
  preparePulumi(opts?: { quiet?: boolean }): Promise<{ env: NodeJS.ProcessEnv; binDir: string }>;
  guardProductionMutation(args: string[], opts: { env: NodeJS.ProcessEnv }): Record<string, string>;
}

/** Runs pulumi with captured output (for the secret look-ups), never printing it. */
export function captureRunner(env: NodeJS.ProcessEnv, cwd: string): PulumiRunner {
  return (args, extraEnv = {}) =>
    new Promise<PulumiRun>((resolve) => {
      const child = spawn("pulumi", [...args, "--non-interactive"], { cwd, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", (e) => resolve({ code: 127, stdout, stderr: e.message }));
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
}

/** The `--stack`/`-s` value of pulumi arguments. */
export function stackOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if ((a === "--stack" || a === "-s") && args[i + 1]) return args[i + 1];
    if (a.startsWith("--stack=")) return a.slice("--stack=".length);
  }
  return undefined;
}

/** The secret values to redact for one pulumi call: the environment's and, with a stack, the stack's. */
export async function secretsFor(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<string[]> {
  const stack = stackOf(args);
  return [...secretEnvValues(env), ...(stack ? await stackSecretsForRedaction(captureRunner(env, cwd), stack) : [])];
}

/** Runs pulumi with stdout and stderr redacted line by line; resolves with its exit code. */
export function runRedacted(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  secrets: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn("pulumi", args, { cwd, env, stdio: ["inherit", "pipe", "pipe"] });
    const o = new PulumiOutputRedactor(secrets);
    const e = new PulumiOutputRedactor(secrets);
    child.stdout.on("data", (d: Buffer) => out.write(o.write(d.toString())));
    child.stderr.on("data", (d: Buffer) => err.write(e.write(d.toString())));
    child.on("error", (x) => {
      err.write(`pulumi could not be started: ${x.message}\n`);
      resolve(127);
    });
    child.on("close", (code, signal) => {
      out.write(o.end());
      err.write(e.end());
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function main(argv: string[]): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { preparePulumi, guardProductionMutation } = require("./pulumi.js") as Wrapper;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cwd = (require("./lib/setup") as { ROOT: string }).ROOT; // where `npm run pulumi` runs it
  const prepared = await preparePulumi({ quiet: true });
  // The same refusal as `npm run pulumi`: a production change only from a gate-reviewed plan with the pack loaded.
  const env = { ...prepared.env, ...guardProductionMutation(argv, { env: prepared.env }) };
  return runRedacted(argv, env, cwd, await secretsFor(argv, env, cwd));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`[stackguard] pulumi: ${e.message}\n`);
      process.exit(1);
    },
  );
}

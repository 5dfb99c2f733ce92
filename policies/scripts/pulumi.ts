import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { PACK_DIR } from "../config";
import { PulumiOutputRedactor, secretEnvValues, stackSecretsForRedaction } from "../../infra/ops/pulumi-output";
import type { PulumiRunner } from "../../infra/ops/pulumi-runner";

/**
 * How the pack's scripts reach the engine: through the project's `npm run pulumi` machinery
 * (tools/scripts/pulumi.js: the pinned CLI built offline, the backend, and the embedded Render when no
 * RENDER_API_URL is set), with a deadline on every call.
 */

export const ROOT = path.resolve(PACK_DIR, "..");

interface PulumiWrapper {
  preparePulumi(opts?: { quiet?: boolean }): Promise<{ env: NodeJS.ProcessEnv; binDir: string }>;
}
interface PolicyArgsModule {
  policyPackArgs(stack: string): string[];
}

/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS scripts without types, loaded when first used */
const wrapper = (): PulumiWrapper => require(path.join(ROOT, "tools", "scripts", "pulumi.js")) as PulumiWrapper;
const policyArgs = (): PolicyArgsModule => require(path.join(ROOT, "tools", "scripts", "lib", "policy-args.js")) as PolicyArgsModule;
/* eslint-enable @typescript-eslint/no-require-imports */
export const policyPackArgs = (stack: string): string[] => policyArgs().policyPackArgs(stack);

/** Options of {@link runPulumi}. */
export interface RunOptions {
  /** Secret values to redact from the stderr passed through (plan-violation values are always cut out). */
  secrets?: ReadonlyArray<string | undefined>;
  /** Keep stderr (returned) instead of passing it through: for look-ups whose output is never printed. */
  quiet?: boolean;
}

/**
 * Runs `pulumi <args>` in the project with stdout captured and stderr passed through, redacted (the engine's
 * diagnostics can print resource inputs, secrets included: infra/ops/pulumi-output.ts), killed after `timeoutMs`.
 */
export async function runPulumi(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
  timeoutMs = 20 * 60_000,
  opts: RunOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { env } = await wrapper().preparePulumi({ quiet: true });
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const redactor = new PulumiOutputRedactor([...secretEnvValues({ ...env, ...extraEnv }), ...(opts.secrets ?? [])]);
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`pulumi ${args[0]} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`));
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      if (opts.quiet) stderr += d.toString();
      else process.stderr.write(redactor.write(d.toString()));
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (!opts.quiet) process.stderr.write(redactor.end());
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** A {@link PulumiRunner} for look-ups (config, state): output captured, never printed. */
export const lookupRunner: PulumiRunner = (args, extraEnv = {}) => runPulumi([...args, "--non-interactive"], extraEnv, 5 * 60_000, { quiet: true });

/**
 * The values to redact from what a script prints about `stack`: the secret environment values, the stack's secret
 * config values and the secret values of its state (infra/ops/pulumi-output.ts).
 */
export async function secretsToRedact(stack: string): Promise<string[]> {
  return [...secretEnvValues(process.env), ...(await stackSecretsForRedaction(lookupRunner, stack))];
}

/** `pulumi stack export --show-secrets` of a stack, parsed. */
export async function exportState(stack: string): Promise<{ deployment?: { resources?: unknown[] } }> {
  const r = await runPulumi(["stack", "export", "--stack", stack, "--show-secrets"], {}, 5 * 60_000);
  if (r.code !== 0) throw new Error(`pulumi stack export --stack ${stack} failed (exit ${r.code}); see the output above.`);
  return JSON.parse(r.stdout) as { deployment?: { resources?: unknown[] } };
}

/** AlphaStack's ids and domains as the stack's own config names them (`stackguard:alphaStack` in Pulumi.<stack>.yaml). */
export function alphaStackIdsFromStackFile(stack: string): string[] {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return [];
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const a = doc?.config?.["stackguard:alphaStack"] as Record<string, unknown> | undefined;
  if (!a || typeof a !== "object") return [];
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);
  return [...list(a.environmentId), ...list(a.projectId), ...list(a.services), ...list(a.envGroups), ...list(a.databases), ...list(a.domains)];
}

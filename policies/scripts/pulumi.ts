import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { PACK_DIR } from "../config";

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

// eslint-disable-next-line @typescript-eslint/no-require-imports
const wrapper = (): PulumiWrapper => require(path.join(ROOT, "tools", "scripts", "pulumi.js")) as PulumiWrapper;
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const policyPackArgs = (stack: string): string[] => (require(path.join(ROOT, "tools", "scripts", "lib", "policy-args.js")) as PolicyArgsModule).policyPackArgs(stack);

/** Runs `pulumi <args>` in the project with stdout captured, stderr passed through, killed after `timeoutMs`. */
export async function runPulumi(args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 20 * 60_000): Promise<{ code: number; stdout: string }> {
  const { env } = await wrapper().preparePulumi({ quiet: true });
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`pulumi ${args[0]} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`));
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout });
    });
  });
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

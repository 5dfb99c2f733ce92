import type { PulumiRunner } from "./pulumi-runner";

/**
 * The values of a stack's secret outputs (e.g. `edgeAdminToken`), to redact from pulumi's own output before it is
 * printed: the engine's diagnostics (a plan violation, for one) show resource inputs in plain text, secrets included.
 * A secret output is one that `pulumi stack output --json` shows as `[secret]`; its value comes from the same call
 * with `--show-secrets`. Empty when the stack has no outputs yet or the calls fail (redaction by pattern still applies).
 */
export async function stackSecretValues(pulumi: PulumiRunner, stack: string): Promise<string[]> {
  const masked = await pulumi(["stack", "output", "--json", "--stack", stack]);
  if (masked.code !== 0) return [];
  const shown = await pulumi(["stack", "output", "--json", "--show-secrets", "--stack", stack]);
  if (shown.code !== 0) return [];
  const out: string[] = [];
  const walk = (m: unknown, s: unknown, secret: boolean): void => {
    if (m === "[secret]") secret = true;
    if (s !== null && typeof s === "object") {
      for (const [k, v] of Object.entries(s as Record<string, unknown>)) walk(m && typeof m === "object" ? (m as Record<string, unknown>)[k] : m, v, secret);
    } else if (secret && typeof s === "string" && s.length >= 4) out.push(s);
  };
  try {
    walk(JSON.parse(masked.stdout), JSON.parse(shown.stdout), false);
  } catch {
    return [];
  }
  return out;
}

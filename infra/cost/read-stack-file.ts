import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS, parseStackConfig } from "../config/load";
import { StackConfig } from "../config/schema";

/** The stacks of a project: one per committed `Pulumi.<stack>.yaml`. */
function knownStacks(root: string): string[] {
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => Boolean(s))
    .sort();
}

/**
 * Reads a stack's `Pulumi.<stack>.yaml` outside of a Pulumi program (reports, CI input checks) and validates its
 * `stackguard:*` values with the one schema, {@link parseStackConfig}, exactly as the program does.
 * @throws Error naming the unknown stack and the known ones; StackConfigError for an invalid config
 */
export function readStackConfigFile(stack: string, root: string): StackConfig {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`invalid stack name '${stack}': use letters, digits, '-', '_' or '.'.`);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(`unknown stack '${stack}': there is no Pulumi.${stack}.yaml. Known stacks: ${knownStacks(root).join(", ") || "(none)"}.`);
  }
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config = doc?.config ?? {};
  // Only the schema's keys, as stacks/read-config.ts reads them: other `stackguard:*` keys (secrets set with
  // `pulumi config set --secret`) are encrypted and none of this reader's business.
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) if (`stackguard:${key}` in config) raw[key] = config[`stackguard:${key}`];
  return parseStackConfig(stack, raw);
}

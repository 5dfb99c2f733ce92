import * as fs from "node:fs";
import { checkPackConfig, parseOrThrow, PolicyConfigError } from "../config";
import { allPolicies } from "./all";
import { CONFIG_SCHEMAS } from "./policy";

/**
 * Validates a `--policy-pack-config` file the way the pack will read it, before any preview: policy names (the
 * engine ignores unknown ones), levels, and each entry against its policy's zod schema. Throws
 * {@link PolicyConfigError} naming the file, the policy and the key.
 */
export function validatePackConfigFile(file: string): void {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new PolicyConfigError(`policy config ${file} cannot be read as JSON (${(e as Error).message}): fix the file.`);
  }
  const names = allPolicies().map((p) => p.name);
  checkPackConfig(raw, names, `policy config ${file}`);
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === "all" || typeof value !== "object" || value === null) continue;
    const { enforcementLevel: _level, ...settings } = value as Record<string, unknown>;
    parseOrThrow(CONFIG_SCHEMAS.get(name)!, settings, `policy config ${file}, entry '${name}'`, "Fix that key.");
  }
}

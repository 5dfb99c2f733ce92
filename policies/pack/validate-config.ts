import * as fs from "node:fs";
import { checkPackConfig, parseOrThrow, PolicyConfigError } from "../config";
import { allPolicies } from "./all";
import { BLOCKING_LEVELS, MANDATORY_POLICIES } from "./mandatory";
import { CONFIG_SCHEMAS } from "./policy";

/**
 * Refuses a config that would lower a mandatory policy (issue 14 e): a level other than mandatory/remediate for one
 * of {@link MANDATORY_POLICIES} (directly or through `all`), or a baseline other than the committed, signed one.
 */
export function checkMandatoryLevels(raw: Record<string, unknown>, where: string): void {
  const levelOf = (v: unknown): string | undefined =>
    typeof v === "string" ? v : v && typeof v === "object" ? ((v as Record<string, unknown>).enforcementLevel as string | undefined) : undefined;
  const all = levelOf(raw.all);
  if (all !== undefined && !BLOCKING_LEVELS.has(all)) {
    throw new PolicyConfigError(
      `${where}: "all": "${all}" would lower ${[...MANDATORY_POLICIES].join(", ")}, which are mandatory whatever the config says. Set levels per policy instead (only advisory policies may be lowered).`,
    );
  }
  for (const name of MANDATORY_POLICIES) {
    const level = levelOf(raw[name]);
    if (level !== undefined && !BLOCKING_LEVELS.has(level)) {
      throw new PolicyConfigError(
        `${where}: "${name}" is "${level}", but ${name} is mandatory whatever the config says. Remove the entry or set it to "mandatory".`,
      );
    }
  }
  for (const [name, value] of Object.entries(raw)) {
    const file = value && typeof value === "object" ? (value as Record<string, unknown>).baselineFile : undefined;
    if (file !== undefined && file !== "baseline.json") {
      throw new PolicyConfigError(
        `${where}: "${name}".baselineFile is ${JSON.stringify(file)}: the pack reads only the committed, signed policies/baseline.json. Remove baselineFile and regenerate the baseline with npm run baseline.`,
      );
    }
  }
}

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
  checkMandatoryLevels(raw as Record<string, unknown>, `policy config ${file}`);
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === "all" || typeof value !== "object" || value === null) continue;
    const { enforcementLevel: _level, ...settings } = value as Record<string, unknown>;
    parseOrThrow(CONFIG_SCHEMAS.get(name)!, settings, `policy config ${file}, entry '${name}'`, "Fix that key.");
  }
}

import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS } from "../infra/config/load";

/**
 * Reads the raw `stackguard:*` values of the current stack, parsing structured values from their JSON form.
 * Validation happens in `parseStackConfig`, before any resource is registered.
 */
export function readRawStackConfig(): Record<string, unknown> {
  const cfg = new pulumi.Config("stackguard");
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const text = cfg.get(key);
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text; // plain strings such as `environment: staging`
    }
  }
  return raw;
}

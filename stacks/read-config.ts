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

/** Secret config values the program needs, read (and required) before any resource is registered. */
export interface StackSecrets {
  /** The log collector's token (`stackguard:logStreamToken`), required when `stackguard:logStream` is set. */
  logStreamToken?: pulumi.Output<string>;
}

/** Reads the stack's secret config values; a missing one that the config needs fails here, naming the fix. */
export function readStackSecrets(config: { logStream?: unknown }): StackSecrets {
  const cfg = new pulumi.Config("stackguard");
  const out: StackSecrets = {};
  if (config.logStream) {
    const token = cfg.getSecret("logStreamToken");
    if (!token) throw new Error("stackguard:logStream is set but stackguard:logStreamToken is not: run `pulumi config set --secret stackguard:logStreamToken <the collector's token>`, or remove stackguard:logStream");
    out.logStreamToken = token;
  }
  return out;
}

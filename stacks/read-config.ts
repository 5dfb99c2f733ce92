import * as pulumi from "@pulumi/pulumi";
import { normalizeGoYamlTimes } from "../infra/config/go-yaml-time";
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
      // Unquoted YAML dates reach the program in Go's rendering (infra/config/go-yaml-time.ts).
      raw[key] = normalizeGoYamlTimes(JSON.parse(text));
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
  /** The guardian's read-only Render key where Render cannot push metrics to it (`stackguard:guardianRenderApiKey`). */
  guardianRenderApiKey?: pulumi.Output<string>;
  /** Where the guardian notifies (`stackguard:alertWebhookUrl`). */
  alertWebhookUrl?: pulumi.Output<string>;
}

/** Reads the stack's secret config values; a missing one that the config needs fails here, naming the fix. */
export function readStackSecrets(config: { logStream?: unknown }): StackSecrets {
  const cfg = new pulumi.Config("stackguard");
  const out: StackSecrets = {};
  if (config.logStream) {
    const token = cfg.getSecret("logStreamToken");
    if (!token)
      throw new Error(
        "stackguard:logStream is set but stackguard:logStreamToken is not: run `pulumi config set --secret stackguard:logStreamToken <the collector's token>`, or remove stackguard:logStream",
      );
    out.logStreamToken = token;
  }
  const guardianKey = cfg.getSecret("guardianRenderApiKey");
  if (guardianKey) out.guardianRenderApiKey = guardianKey;
  const webhook = cfg.getSecret("alertWebhookUrl");
  if (webhook) out.alertWebhookUrl = webhook;
  if (cfg.get("edgeRenderApiKey") !== undefined) {
    pulumi.log.warn(
      "stackguard:edgeRenderApiKey is no longer used (the edge keeps its state in Key Value and holds no Render key): remove it with `pulumi config rm stackguard:edgeRenderApiKey` and delete that key in Render.",
    );
  }
  return out;
}

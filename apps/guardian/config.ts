import { z } from "zod";
import { ALPHASTACK_ENGINE_ID } from "../../infra/alphastack/identity";
import { DEFAULT_RENDER_API_URL } from "../../infra/render/config";
import { parseIdList } from "../../infra/providers/guard";

/** A bad environment, naming the variable and the fix; never echoes a secret value. */
export class GuardianConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GuardianConfigError";
  }
}

const httpUrl = (name: string, example: string) =>
  z
    .string({ error: `${name} is required: set it to ${example}` })
    .trim()
    .url(`${name} must be an absolute http(s) URL such as ${example}`)
    .refine((u) => /^https?:\/\//.test(u), `${name} must use http:// or https://`);
const ms = (name: string, def: number, min: number) =>
  z.coerce
    .number({ error: `${name} must be a number of milliseconds` })
    .int(`${name} must be a whole number of milliseconds`)
    .min(min, `${name} must be at least ${min} ms`)
    .default(def);

/**
 * The guardian's environment. Secrets (`EDGE_ADMIN_TOKEN`, `RENDER_API_KEY`, `ALERT_WEBHOOK_URL`, whose path is a
 * credential for Slack-style webhooks) are only ever used in headers and request targets, never logged or sent.
 */
const EnvSchema = z.object({
  EDGE_URL: httpUrl("EDGE_URL", "the edge's base URL, e.g. https://edge-production.onrender.com"),
  EDGE_ADMIN_TOKEN: z
    .string({ error: "EDGE_ADMIN_TOKEN is required: the edge's admin token (the guardian reads rules and metrics, rolls back and kills flags with it)" })
    .min(16, "EDGE_ADMIN_TOKEN must be at least 16 characters (the edge refuses shorter tokens)"),
  RENDER_API_URL: httpUrl("RENDER_API_URL", DEFAULT_RENDER_API_URL).optional(),
  RENDER_API_KEY: z.string().min(1, "RENDER_API_KEY is empty: unset it or set a Render API key (used read-only)").optional(),
  ALERT_WEBHOOK_URL: httpUrl("ALERT_WEBHOOK_URL", "a Slack-compatible incoming webhook URL").optional(),
  GUARDIAN_INTERVAL_MS: ms("GUARDIAN_INTERVAL_MS", 15_000, 100),
  GUARDIAN_RULES_REFRESH_MS: ms("GUARDIAN_RULES_REFRESH_MS", 30_000, 100),
  GUARDIAN_RENDER_INTERVAL_MS: ms("GUARDIAN_RENDER_INTERVAL_MS", 60_000, 1_000),
  GUARDIAN_PROBE_TIMEOUT_MS: ms("GUARDIAN_PROBE_TIMEOUT_MS", 2_000, 50),
  GUARDIAN_VITALS_WINDOW_MS: ms("GUARDIAN_VITALS_WINDOW_MS", 15 * 60_000, 1_000),
  GUARDIAN_WEBHOOK_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1, "GUARDIAN_WEBHOOK_ATTEMPTS must be at least 1")
    .max(20, "GUARDIAN_WEBHOOK_ATTEMPTS must be at most 20")
    .default(6),
  GUARDIAN_WEBHOOK_BACKOFF_MS: ms("GUARDIAN_WEBHOOK_BACKOFF_MS", 1_000, 1),
  ALPHASTACK_HEALTH_URL: httpUrl("ALPHASTACK_HEALTH_URL", "https://engine.alphastack.example/healthz").optional(),
  ALPHASTACK_SERVICE_ID: z
    .string()
    .regex(/^srv-[a-z0-9]+$/, "ALPHASTACK_SERVICE_ID must be a Render service id (srv-…)")
    .default(ALPHASTACK_ENGINE_ID),
  EDGE_SERVICE_ID: z
    .string()
    .regex(/^srv-[a-z0-9]+$/, "EDGE_SERVICE_ID must be a Render service id (srv-…): the edge service holding the custom domains")
    .optional(),
  GUARDIAN_SERVICES: z.string().optional(),
  STACKGUARD_ENVIRONMENT: z.string().max(40).default("unknown"),
  STACKGUARD_PROTECTED_IDS: z.string().optional(),
  GUARDIAN_OTLP_TOKEN: z.string().min(16, "GUARDIAN_OTLP_TOKEN must be at least 16 characters: the token Render's metrics stream sends (Bearer)").optional(),
  GUARDIAN_OTLP_PORT: z.coerce.number().int().min(0).max(65535, "GUARDIAN_OTLP_PORT must be a TCP port (0-65535)").optional(),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
});

/** The guardian's validated configuration. */
export interface GuardianConfig {
  edgeUrl: string;
  /** Secret. */
  edgeAdminToken: string;
  /** Read-only use: every write is refused before it is sent. Absent: Render-sourced signals report an error. */
  render?: { apiUrl: string; apiKey: string };
  /** Secret (the path of a Slack webhook URL is its credential). Absent: notifications are only logged. */
  webhookUrl?: string;
  intervalMs: number;
  rulesRefreshMs: number;
  renderIntervalMs: number;
  probeTimeoutMs: number;
  vitalsWindowMs: number;
  webhookAttempts: number;
  webhookBackoffMs: number;
  /** Health URL of the AlphaStack discovery engine (else read from Render's API: the service's URL and health path). */
  alphaStackHealthUrl?: string;
  alphaStackServiceId: string;
  /** The edge service whose custom domains are watched (`domain.verification`). */
  edgeServiceId?: string;
  /** Render service name → id, where known (others are looked up by name, read-only). */
  services: Record<string, string>;
  environment: string;
  extraProtected: string[];
  /**
   * The OTLP/HTTP receiver for Render's metrics stream (`POST /v1/metrics`): resource signals come from what Render
   * pushes, and no Render key is needed for them. Token secret. Absent: resource signals come from Render's API.
   */
  otlp?: { token: string; port: number };
}

/** Every secret of a configuration, for redaction. */
export function secretsOf(c: GuardianConfig): string[] {
  const out = [c.edgeAdminToken, c.render?.apiKey, c.webhookUrl, c.otlp?.token].filter((s): s is string => !!s);
  if (c.webhookUrl) {
    // The path alone (e.g. /services/T000/B000/XXXX) is the webhook's credential.
    const p = new URL(c.webhookUrl).pathname;
    if (p.length > 8) out.push(p);
  }
  return out;
}

/** Reads and validates the environment; the error names every variable at fault. */
export function loadGuardianConfig(env: NodeJS.ProcessEnv): GuardianConfig {
  const blank = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);
  const raw = Object.fromEntries(Object.keys(EnvSchema.shape).map((k) => [k, blank(env[k])]));
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new GuardianConfigError(
      parsed.error.issues.map((i) => (i.message.startsWith(String(i.path[0])) ? i.message : `${String(i.path[0])}: ${i.message}`)).join("; "),
    );
  }
  const e = parsed.data;
  if (e.RENDER_API_KEY === undefined && e.RENDER_API_URL !== undefined) {
    throw new GuardianConfigError("RENDER_API_URL is set without RENDER_API_KEY: set the key (read-only use) or unset the URL");
  }
  let services: Record<string, string> = {};
  if (e.GUARDIAN_SERVICES) {
    let json: unknown;
    try {
      json = JSON.parse(e.GUARDIAN_SERVICES);
    } catch {
      throw new GuardianConfigError('GUARDIAN_SERVICES must be JSON such as {"api-blue": "srv-…"}');
    }
    const r = z.record(z.string().min(1), z.string().regex(/^srv-[a-z0-9]+$/)).safeParse(json);
    if (!r.success) throw new GuardianConfigError(`GUARDIAN_SERVICES: ${r.error.issues[0]!.path.join(".")}: must map a service name to its id (srv-…)`);
    services = r.data;
  }
  return {
    edgeUrl: e.EDGE_URL.replace(/\/+$/, ""),
    edgeAdminToken: e.EDGE_ADMIN_TOKEN,
    render: e.RENDER_API_KEY ? { apiUrl: (e.RENDER_API_URL ?? DEFAULT_RENDER_API_URL).replace(/\/+$/, ""), apiKey: e.RENDER_API_KEY } : undefined,
    webhookUrl: e.ALERT_WEBHOOK_URL,
    intervalMs: e.GUARDIAN_INTERVAL_MS,
    rulesRefreshMs: e.GUARDIAN_RULES_REFRESH_MS,
    renderIntervalMs: e.GUARDIAN_RENDER_INTERVAL_MS,
    probeTimeoutMs: e.GUARDIAN_PROBE_TIMEOUT_MS,
    vitalsWindowMs: e.GUARDIAN_VITALS_WINDOW_MS,
    webhookAttempts: e.GUARDIAN_WEBHOOK_ATTEMPTS,
    webhookBackoffMs: e.GUARDIAN_WEBHOOK_BACKOFF_MS,
    alphaStackHealthUrl: e.ALPHASTACK_HEALTH_URL,
    alphaStackServiceId: e.ALPHASTACK_SERVICE_ID,
    edgeServiceId: e.EDGE_SERVICE_ID,
    services,
    environment: e.STACKGUARD_ENVIRONMENT,
    extraProtected: parseIdList(e.STACKGUARD_PROTECTED_IDS),
    // Render gives a web service its port in PORT (default 10000).
    otlp: e.GUARDIAN_OTLP_TOKEN ? { token: e.GUARDIAN_OTLP_TOKEN, port: e.GUARDIAN_OTLP_PORT ?? e.PORT ?? 10000 } : undefined,
  };
}

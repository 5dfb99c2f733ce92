import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { EDGE_ADMIN_PATHS, type VitalsSummary } from "../../infra/edge-contract/admin-api";
import type { EdgeExtension } from "../../infra/edge-contract/extensions";
import { BodyError, readJsonBody, sendJson } from "../../infra/edge-contract/http";

/**
 * Web-vitals beacons collected by the edge (the source of the guardian's `frontend.*` signals).
 *
 * | method | path | who | what |
 * |---|---|---|---|
 * | POST | `/__vitals` | browsers (public; `navigator.sendBeacon`) | one beacon `{app, name, value}` or `{app, metrics: [{name, value}]}`; 204 |
 * | POST | `/__edge/vitals` | server-side collectors (admin token) | the same body |
 * | GET | `/__edge/vitals?windowMs=&since=` | the guardian (admin token) | per app and metric: `{count, p75, newCount}` |
 *
 * Why the public path is not under `/__edge/`: the edge answers everything under `/__edge/` (except `healthz`)
 * only with the admin token, which a browser must never hold. The body follows what the `web-vitals` library hands
 * to its callbacks (`{name: "LCP", value, rating, delta, id, …}`; extra fields are ignored), plus the app name.
 *
 * The public path is the internet's: beacons are accepted only for the edge's configured apps, rate-limited per
 * client (bounded limiter memory), and the signals they feed may only notify, never roll back or kill a flag
 * (`infra/alerts` refuses such rules).
 *
 * Beacons are kept in memory per edge instance (bounded by age and count): they are high-volume and disposable,
 * so they are not written to the replicated state. With several edge instances each one holds its share of the
 * beacons, and a p75 of one instance's share estimates the whole (the counts are a share too).
 */
const VITALS_PUBLIC_PATH = "/__vitals";
const VITALS_ADMIN_PATH = EDGE_ADMIN_PATHS.vitals;

/** The Core Web Vitals the edge accepts, as the `web-vitals` library names them. */
const VITAL_NAMES = ["LCP", "INP", "CLS", "TTFB"] as const;
type VitalName = (typeof VITAL_NAMES)[number];

const appName = z
  .string({ error: 'app is required: the app the page belongs to, e.g. "frontend"' })
  .regex(/^[a-z][a-z0-9-]{0,40}$/, "app must be an app name (lower-case letters, digits, dashes)");
const metric = z.object({
  name: z.enum(VITAL_NAMES, { error: `name must be one of ${VITAL_NAMES.join(", ")}` }),
  // Milliseconds for LCP/INP/TTFB (at most 10 minutes), a unitless score for CLS.
  value: z
    .number({ error: "value must be a number" })
    .finite("value must be finite")
    .min(0, "value must be at least 0")
    .max(600_000, "value must be at most 600000"),
});

/** A beacon: one metric (as `web-vitals` reports it) or a batch. */
const BatchSchema = z.looseObject({ app: appName, metrics: z.array(metric).min(1, "metrics must not be empty").max(20, "at most 20 metrics per beacon") });
const SingleSchema = metric.extend({ app: appName }).loose();
type Beacon = { app: string; metrics: Array<z.infer<typeof metric>> };

// The summary's shape is part of the edge's wire contract (infra/edge-contract/admin-api.ts), read by the guardian.
export { VitalsSummarySchema } from "../../infra/edge-contract/admin-api";

/** Options of {@link vitalsExtension}. */
export interface VitalsOptions {
  /**
   * The apps beacons are accepted for (the edge's `EDGE_APPS` plus `EDGE_VITALS_APPS`); a beacon for any other name
   * is refused (400), so a client can neither grow memory by inventing app names nor feed a signal no rule reads.
   */
  apps: readonly string[];
  /** CORS origin allowed to post beacons from a browser (none by default: same-origin only). */
  allowOrigin?: string;
  /** Public beacons accepted per client and minute (default 120; a page load sends about 4), burst the same. */
  ratePerMinute?: number;
  /** Distinct clients the rate limiter remembers (default 10 000; the least recently seen is forgotten first). */
  maxClients?: number;
  /** How long beacons are kept (default 30 min). */
  retentionMs?: number;
  /** At most this many beacons per app and metric (default 20 000; the oldest go first). */
  maxPerSeries?: number;
  now?: () => number;
}

/**
 * Per-client token buckets in a bounded map: at most `maxClients` entries, the least recently seen evicted first,
 * so the limiter's own memory is bounded however many addresses a flood comes from. A global bucket (100 clients'
 * worth) caps the total, so rotating addresses does not lift the limit either.
 */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private global: { tokens: number; at: number };
  constructor(
    private readonly perMinute: number,
    private readonly maxClients: number,
    private readonly now: () => number = Date.now,
  ) {
    this.global = { tokens: perMinute * 100, at: now() };
  }

  /** Takes one token for `client`; false when the client (or everyone together) is over the limit. */
  take(client: string): boolean {
    const t = this.now();
    let b = this.buckets.get(client);
    if (b)
      this.buckets.delete(client); // re-inserted below: Map order is least recently seen first
    else {
      b = { tokens: this.perMinute, at: t };
      if (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(client, b);
    refill(b, this.perMinute, t);
    refill(this.global, this.perMinute * 100, t);
    if (b.tokens < 1 || this.global.tokens < 1) return false;
    b.tokens--;
    this.global.tokens--;
    return true;
  }

  /** Clients remembered now (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }
}

function refill(b: { tokens: number; at: number }, perMinute: number, t: number): void {
  b.tokens = Math.min(perMinute, b.tokens + ((t - b.at) * perMinute) / 60_000);
  b.at = t;
}

/**
 * Who sent a public request, for rate limiting: the last `X-Forwarded-For` entry (on Render the edge is only
 * reachable through Render's proxy, which adds the address it accepted the connection from; entries before it are
 * the client's own claims), else the socket's address.
 */
function clientOf(req: IncomingMessage): string {
  const xff = req.headers["x-forwarded-for"];
  const last = (Array.isArray(xff) ? xff.join(",") : (xff ?? ""))
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
    .pop();
  return (last ?? req.socket.remoteAddress ?? "unknown").slice(0, 64);
}

/** The 75th percentile by the nearest-rank method (a beacon's value, never an interpolation). */
export function p75(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.75 * sorted.length) - 1)];
}

/** The web-vitals edge extension (see the module comment). */
export function vitalsExtension(opts: VitalsOptions): EdgeExtension {
  const now = opts.now ?? Date.now;
  const retention = opts.retentionMs ?? 30 * 60_000;
  const maxPer = opts.maxPerSeries ?? 20_000;
  const allowed = new Set(opts.apps);
  const limiter = new ClientRateLimiter(opts.ratePerMinute ?? 120, opts.maxClients ?? 10_000, now);
  /** app → metric → samples in arrival order. */
  const store = new Map<string, Map<VitalName, Array<{ t: number; v: number }>>>();
  const cors: Record<string, string> = opts.allowOrigin ? { "access-control-allow-origin": opts.allowOrigin, vary: "Origin" } : {};

  const prune = (list: Array<{ t: number; v: number }>, t: number) => {
    let drop = 0;
    while (drop < list.length && list[drop]!.t <= t - retention) drop++;
    if (list.length - drop > maxPer) drop = list.length - maxPer;
    if (drop) list.splice(0, drop);
  };

  const ingest = async (req: IncomingMessage, res: ServerResponse, headers: Record<string, string>) => {
    const body = await readJsonBody(req, { maxBytes: 16 * 1024, timeoutMs: 5000 });
    // A body with `metrics` is a batch; anything else is judged as one metric, so the error names its field.
    const isBatch = typeof body === "object" && body !== null && "metrics" in body;
    const parsed = isBatch ? BatchSchema.safeParse(body) : SingleSchema.safeParse(body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      return sendJson(res, 400, { error: `${i.path.join(".") || "body"}: ${i.message}` }, headers);
    }
    const b: Beacon = isBatch
      ? (parsed.data as Beacon)
      : {
          app: parsed.data.app,
          metrics: [{ name: (parsed.data as z.infer<typeof SingleSchema>).name, value: (parsed.data as z.infer<typeof SingleSchema>).value }],
        };
    const metrics = b.metrics;
    if (!allowed.has(b.app))
      return sendJson(
        res,
        400,
        { error: `app: '${b.app}' is not an app of this edge; beacons are accepted for the apps in EDGE_APPS and EDGE_VITALS_APPS` },
        headers,
      );
    let app = store.get(b.app);
    if (!app) {
      app = new Map();
      store.set(b.app, app);
    }
    const t = now();
    for (const m of metrics) {
      let list = app.get(m.name);
      if (!list) app.set(m.name, (list = []));
      list.push({ t, v: m.value });
      prune(list, t);
    }
    return sendJson(res, 204, undefined, headers);
  };

  const summary = (url: URL): VitalsSummary => {
    const t = now();
    const windowMs = Math.min(retention, Math.max(1000, Number(url.searchParams.get("windowMs")) || 15 * 60_000));
    const since = Number(url.searchParams.get("since")) || 0;
    const apps: VitalsSummary["apps"] = {};
    for (const [name, metrics] of store) {
      const out: VitalsSummary["apps"][string] = {};
      for (const [m, list] of metrics) {
        prune(list, t);
        const inWindow = list.filter((s) => s.t > t - windowMs);
        const p = p75(inWindow.map((s) => s.v));
        out[m] = { count: inWindow.length, ...(p !== undefined ? { p75: p } : {}), newCount: list.filter((s) => s.t > since).length };
      }
      apps[name] = out;
    }
    return { takenAt: t, windowMs, apps };
  };

  return {
    name: "vitals",
    publicPrefixes: [VITALS_PUBLIC_PATH],
    async handle(req, res, where) {
      try {
        const method = req.method ?? "GET";
        if (!where.admin) {
          if (where.path !== VITALS_PUBLIC_PATH) return sendJson(res, 404, { error: "not found" });
          if (method === "OPTIONS" && opts.allowOrigin) {
            res.writeHead(204, {
              ...cors,
              "access-control-allow-methods": "POST, OPTIONS",
              "access-control-allow-headers": "content-type",
              "access-control-max-age": "600",
            });
            return void res.end();
          }
          if (method !== "POST") return sendJson(res, 405, { error: `${method} ${VITALS_PUBLIC_PATH}: send beacons with POST` }, cors);
          if (!limiter.take(clientOf(req))) {
            req.resume();
            return sendJson(res, 429, { error: "too many beacons from this client; retry later" }, { ...cors, "retry-after": "30" });
          }
          return await ingest(req, res, cors);
        }
        if (where.path !== VITALS_ADMIN_PATH) return sendJson(res, 404, { error: `no vitals endpoint ${where.path}` });
        if (method === "POST") return await ingest(req, res, {});
        if (method === "GET") return sendJson(res, 200, summary(new URL(req.url ?? "/", "http://edge")));
        return sendJson(res, 405, { error: `${method} ${where.path} is not part of the vitals API` });
      } catch (err) {
        if (err instanceof BodyError) return sendJson(res, err.status, { error: err.message }, where.admin ? {} : cors);
        throw err;
      }
    },
  };
}

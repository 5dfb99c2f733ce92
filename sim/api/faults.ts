import type http from "node:http";
import { z } from "zod";
import { ApiError } from "../render/errors";
import { mulberry32 } from "../prng";

/**
 * API-level fault injection for the simulator (`/__sim/api-faults`), so clients' retry and adoption logic can be
 * tested against the real simulator instead of a fake.
 *
 * Two kinds of fault, because they test different things:
 * - `before`: the request is refused before the handler runs (nothing changes). Retrying is always safe.
 * - `after`: the handler runs and commits, then the answer is replaced by the fault status (the change happened,
 *   the client cannot know). A retried create would make a twin; this is what adoption must handle.
 *
 * Faults come from `rules` (deterministic: the next `times` matching requests) and then from `rate` (random).
 * Admin routes (same Bearer key as the API):
 * - `PUT /__sim/api-faults` body {@link ApiFaultConfigSchema} (replaces the config, resets counters)
 * - `GET /__sim/api-faults` → `{config, injected, byStatus}`
 * - `DELETE /__sim/api-faults` → faults off
 */

const RuleSchema = z
  .object({
    /** HTTP method to match (any when omitted). */
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).optional(),
    /** Regular expression matched against the path under /v1 (e.g. `^/services$`). */
    path: z.string().optional(),
    status: z
      .number()
      .int()
      .refine((s) => s === 429 || (s >= 500 && s <= 599), "status must be 429 or 5xx"),
    when: z.enum(["before", "after"]).default("before"),
    /** How many matching requests get this fault (default 1). */
    times: z.number().int().min(1).default(1),
  })
  .strict();

/** Body of `PUT /__sim/api-faults`. */
const ApiFaultConfigSchema = z
  .object({
    /** Probability in [0,1] that any API request gets a random fault. */
    rate: z.number().min(0).max(1).default(0),
    /** Statuses drawn from for random faults. */
    statuses: z
      .array(
        z
          .number()
          .int()
          .refine((s) => s === 429 || (s >= 500 && s <= 599), "statuses must be 429 or 5xx"),
      )
      .min(1)
      .default([500, 502, 503, 429]),
    /** Share of random 5xx faults injected after the handler committed (429s are always `before`, as Render's are). */
    afterShare: z.number().min(0).max(1).default(0.5),
    /** Restrict random faults to these methods. */
    methods: z.array(z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"])).optional(),
    /** Seed for the random faults (reproducible runs). */
    seed: z.number().int().optional(),
    rules: z.array(RuleSchema).default([]),
  })
  .strict();
export type ApiFaultConfig = z.infer<typeof ApiFaultConfigSchema>;

/** A fault decided for one request. */
export interface ApiFault {
  status: number;
  when: "before" | "after";
}

/** Per-server fault state. */
export class ApiFaults {
  private config: ApiFaultConfig = ApiFaultConfigSchema.parse({});
  private remaining: number[] = [];
  private random: () => number = Math.random;
  private injected = 0;
  private byStatus: Record<string, number> = {};

  /** Replaces the configuration and resets counters. */
  configure(c: ApiFaultConfig): void {
    this.config = c;
    this.remaining = c.rules.map((r) => r.times);
    this.random = c.seed === undefined ? Math.random : mulberry32(c.seed);
    this.injected = 0;
    this.byStatus = {};
  }

  /** The fault for this request, if any. */
  decide(method: string, path: string): ApiFault | undefined {
    const c = this.config;
    for (let i = 0; i < c.rules.length; i++) {
      const r = c.rules[i];
      if (this.remaining[i] <= 0) continue;
      if (r.method && r.method !== method) continue;
      if (r.path && !new RegExp(r.path).test(path)) continue;
      this.remaining[i] -= 1;
      return this.count({ status: r.status, when: r.status === 429 ? "before" : r.when });
    }
    if (c.rate > 0 && (!c.methods || c.methods.includes(method as never)) && this.random() < c.rate) {
      const status = c.statuses[Math.floor(this.random() * c.statuses.length)];
      const when = status !== 429 && this.random() < c.afterShare ? "after" : "before";
      return this.count({ status, when });
    }
    return undefined;
  }

  private count(f: ApiFault): ApiFault {
    this.injected += 1;
    this.byStatus[`${f.status}/${f.when}`] = (this.byStatus[`${f.status}/${f.when}`] ?? 0) + 1;
    return f;
  }

  /** The error body a fault answers with (Render's `{message}` shape). */
  static error(f: ApiFault): ApiError {
    return new ApiError(f.status, f.status === 429 ? "rate limit exceeded (injected fault)" : `injected fault ${f.status}`);
  }

  /** Handles `/__sim/api-faults`; returns false for other paths. */
  handleAdmin(method: string, pathname: string, body: unknown, reply: (status: number, body?: unknown) => void): boolean {
    if (pathname !== "/__sim/api-faults") return false;
    if (method === "GET") reply(200, { config: this.config, injected: this.injected, byStatus: this.byStatus });
    else if (method === "DELETE") {
      this.configure(ApiFaultConfigSchema.parse({}));
      reply(204);
    } else if (method === "PUT") {
      const r = ApiFaultConfigSchema.safeParse(body ?? {});
      if (!r.success) {
        const i = r.error.issues[0];
        throw new ApiError(400, `invalid value for ${JSON.stringify(i.path.join(".") || "body")}: ${i.message}`);
      }
      this.configure(r.data);
      reply(200, { config: this.config, injected: 0, byStatus: {} });
    } else throw new ApiError(405, `method ${method} is not allowed on ${pathname}`);
    return true;
  }
}

/** True when the request carries the simulator's key (admin routes share the API's Bearer auth). */
export function adminAuthorized(req: http.IncomingMessage, apiKey: string): boolean {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim() === apiKey;
}

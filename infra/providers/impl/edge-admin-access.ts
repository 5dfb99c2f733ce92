import { z } from "zod";
import type { EdgeAdminClientOptions } from "../../edge-contract/client";

/**
 * How the FeatureFlag and AlertRule providers reach the edge's admin API: the edge URL and the admin token are
 * resource inputs (the token a Pulumi secret, recorded encrypted in state), so `up`, `preview` and `refresh` need
 * nothing from the environment.
 */

/** The `adminToken` input: the edge admin token (the stack's `edge-admin-token` RandomPassword). */
export const adminTokenInput = z
  .string({ error: "adminToken is required: the edge admin token, e.g. the RandomPassword `edge-admin-token`'s result (passed as a Pulumi secret)" })
  .min(16, "adminToken must be the edge admin token (at least 16 characters; the edge refuses shorter tokens)");

/** The `edgeUrl` input. */
export const edgeUrlInput = z.string().url("edgeUrl must be the edge's http(s) base URL").optional();

/** What the resource records that the edge needs. */
export interface EdgeAccess {
  edgeUrl?: string;
  adminToken?: string;
}

/**
 * Writes (create, update, delete) run inside `pulumi up` right after the edge's env may have changed (first deploy,
 * token rotation): they wait up to 10 minutes for the edge to answer with the token (a Render deploy of the edge
 * takes minutes). Each write answers only once
 * every edge instance confirmed it, hence the long per-attempt timeout. Within the readiness window the client
 * retries these writes on no answer, 429, 5xx and 401: every one is an idempotent PUT or DELETE. At most 4 writes per
 * edge at once: the stack's ~30 flags and rules are created in
 * parallel at Pulumi's default parallelism, and each is replicated to every edge instance.
 */
const WRITE = { timeoutMs: 20_000, retries: 2, readyTimeoutMs: 600_000, maxConcurrent: 4 } as const;
/** Reads (check, diff, refresh) must not hold a preview up: a short budget, then the recorded state decides. */
const READ = { timeoutMs: 5_000, retries: 1 } as const;

/**
 * The token to call the edge with. Resources recorded before the token was an input (it used to come from
 * `EDGE_ADMIN_TOKEN`) have none in state: for those, `EDGE_ADMIN_TOKEN` still serves, if set; the next `up`
 * records the token (a one-time update of each such resource).
 */
function tokenOf(i: EdgeAccess): string | undefined {
  return i.adminToken || process.env.EDGE_ADMIN_TOKEN || undefined;
}

/** Client options for `i`'s edge; `undefined` when no token is known (old state, no `EDGE_ADMIN_TOKEN`). */
export function edgeAccess(i: EdgeAccess, use: "read" | "write"): EdgeAdminClientOptions | undefined {
  const token = tokenOf(i);
  if (!token) return undefined;
  return { url: i.edgeUrl ?? process.env.EDGE_URL ?? "", token, ...(use === "write" ? WRITE : READ) };
}

/** For a write that cannot proceed without a token: says which resource and what to do. */
export function requireEdgeAccess(i: EdgeAccess, what: string): EdgeAdminClientOptions {
  const opts = edgeAccess(i, "write");
  if (!opts) {
    throw new Error(
      `${what}: no edge admin token recorded in state (it was created before adminToken was an input); run \`pulumi up\` once to record it, or set EDGE_ADMIN_TOKEN for this run`,
    );
  }
  return opts;
}

/**
 * The promotion's one door to the edge: the admin client a run uses and the wait for the edge to serve the app,
 * both from the edge's wire contract (`infra/edge-contract`).
 */
import { EdgeAdminClient, EdgeAdminError } from "../edge-contract/client";
import type { EdgeStateView } from "../edge-contract/admin-api";
import { other, type Slot } from "../edge-contract/slots";
import { PromotionError } from "./record";
import type { PromotionTarget } from "./target";

export { other };
export type { EdgeAdminClient, EdgeStateView, Slot };

/**
 * The edge admin client a promotion uses: 15 s per attempt, 2 retries of reads (no answer, 429, 5xx) and of any
 * call that never reached the edge; a switch or verdict the edge may have seen is not sent twice.
 */
export function edgeClient(t: Pick<PromotionTarget, "edgeUrl" | "adminToken">): EdgeAdminClient {
  return new EdgeAdminClient({ url: t.edgeUrl, token: t.adminToken, timeoutMs: 15_000, retries: 2 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The edge's view once it serves the app (the edge restarts when its env changes: wait for it, bounded). */
export async function edgeStateFor(edge: EdgeAdminClient, app: string, timeoutMs: number): Promise<EdgeStateView> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const s = await edge.getState();
      if (s.apps?.[app]) return s;
      last = `the edge does not route app '${app}' yet (apps: ${Object.keys(s.apps ?? {}).join(", ") || "none"})`;
    } catch (e) {
      if (e instanceof EdgeAdminError && e.status === 401)
        throw new PromotionError(
          `edge admin API refused the token (401): the edge's EDGE_ADMIN_TOKEN and the switch's adminToken differ; run pulumi up again after the edge env is applied`,
        );
      last = (e as Error).message;
    }
    if (Date.now() > deadline)
      throw new PromotionError(`the edge did not become ready for app '${app}' within ${timeoutMs} ms: ${last}; traffic was not changed`);
    await sleep(1_000);
  }
}

import type { PromotionAnalysis } from "../config/schema";
import type { RenderClient } from "../render/client";
import type { Slot } from "./edge";
import type { ProtectedService } from "./protected-guard";

/** What a promotion needs: the app, the version wanted, the slots, the edge, the analysis settings. */
export interface PromotionTarget {
  app: string;
  /** Image repository; the deployed ref is `<image>:<version>`. */
  image: string;
  version: string;
  healthCheckPath: string;
  slots: Record<Slot, { serviceId: string; url: string }>;
  edgeUrl: string;
  /** The edge admin token (secret: never in a message). */
  adminToken: string;
  analysis: PromotionAnalysis;
  /**
   * Services the promotion must not harm (AlphaStack's engine): their health is recorded before the switch, a
   * promotion does not switch while one is unhealthy, and a degradation during the bake switches back.
   */
  guards?: ProtectedService[];
}

/** Options: the Render client, a progress sink, and the waits. */
export interface PromotionDeps {
  render: RenderClient;
  log?: (line: string) => void;
  /** Poll interval while waiting for a deploy (default 1 s; lower under a fast simulator). */
  pollMs?: number;
  /** How long to wait for the edge to know the app (it restarts after its env changes). Default 120 s. */
  edgeReadyTimeoutMs?: number;
}

/** A slot's health URL: the target's health path on the slot's own URL (never through the edge). */
export function healthUrl(t: Pick<PromotionTarget, "healthCheckPath" | "slots">, slot: Slot): string {
  const base = t.slots[slot].url;
  return new URL(t.healthCheckPath, base.endsWith("/") ? base : `${base}/`).toString();
}

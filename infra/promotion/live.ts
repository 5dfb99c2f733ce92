import { canonicalImage } from "../providers/image-ref";
import type { RenderClient } from "../render/client";
import { edgeClient, edgeStateFor, type EdgeStateView, type Slot } from "./edge";
import type { PromotionDeps, PromotionTarget } from "./target";

/** The converged live state: where traffic is, and what runs on each slot. */
export interface LiveState {
  activeSlot: Slot;
  /** The version (tag) live on each slot, or the full image ref when it is not a tag of `image`. */
  versions: Partial<Record<Slot, string>>;
}

/** The live state as a run reads it: also each slot's canonical image ref and the edge's whole view (verdicts). */
export interface LiveReading extends LiveState {
  refs: Partial<Record<Slot, string>>;
  edge: EdgeStateView;
}

/** The image a slot serves: its newest live deploy's image (the service's configured image may be ahead of it). */
async function liveImage(render: RenderClient, serviceId: string): Promise<{ ref?: string }> {
  const deploys = await render.services.listDeploys(serviceId, 10);
  const live = deploys.find((d) => d.status === "live");
  let ref = live?.image?.ref;
  if (live && !ref) ref = (await render.services.get(serviceId)).imagePath;
  return { ref: canonicalImage(ref) };
}

function versionOf(image: string, ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const repo = canonicalImage(`${image}:x`)!.slice(0, -2);
  return ref.startsWith(`${repo}:`) ? ref.slice(repo.length + 1) : ref;
}

/**
 * Reads where traffic is (the edge) and what each slot runs (Render's newest live deploy), never Pulumi's state: for
 * `read`/refresh and for the start of every promotion run.
 */
export async function readLive(t: PromotionTarget, deps: PromotionDeps, state?: EdgeStateView): Promise<LiveReading> {
  const edge = state ?? (await edgeStateFor(edgeClient(t), t.app, deps.edgeReadyTimeoutMs ?? 120_000));
  const [blue, green] = await Promise.all([liveImage(deps.render, t.slots.blue.serviceId), liveImage(deps.render, t.slots.green.serviceId)]);
  return {
    activeSlot: edge.apps[t.app]!.active,
    versions: { blue: versionOf(t.image, blue.ref), green: versionOf(t.image, green.ref) },
    refs: { blue: blue.ref, green: green.ref },
    edge,
  };
}

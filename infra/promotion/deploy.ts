import { canonicalImage } from "../providers/image-ref";
import type { RenderClient } from "../render/client";
import type { Deploy } from "../render/schemas/deploy";
import { PromotionError } from "./record";

const IN_PROGRESS = new Set(["created", "queued", "build_in_progress", "update_in_progress", "pre_deploy_in_progress"]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What {@link deployImage} deploys where, and how long it waits. */
export interface DeployImageOptions {
  render: RenderClient;
  /** The slot's Render service id, and its name for messages (`api-blue`). */
  service: { id: string; name: string };
  /** The canonical image ref to deploy. */
  ref: string;
  /** The service's newest deploy: one of `ref` already under way is awaited, not repeated. */
  newest: Deploy | undefined;
  /** `analysis.deployTimeoutMs`. */
  timeoutMs: number;
  pollMs: number;
  /** Appended to every failure: where traffic stays. */
  onFail: string;
  log?: (line: string) => void;
}

/** Deploys `ref` to a slot and waits for `live`; a deploy of the same ref already under way is awaited, not repeated. */
export async function deployImage(o: DeployImageOptions): Promise<void> {
  const { render, service, ref, onFail } = o;
  let deploy: Deploy | undefined = o.newest && IN_PROGRESS.has(o.newest.status ?? "") && canonicalImage(o.newest.image?.ref) === ref ? o.newest : undefined;
  if (!deploy) {
    const svc = await render.services.get(service.id);
    // The service's image is what Render redeploys on a restart: keep it equal to what the switch deployed.
    if (canonicalImage(svc.imagePath) !== ref) await render.services.update(service.id, { image: { ownerId: svc.ownerId, imagePath: ref } });
    deploy = await render.services.deploy(service.id, { imageUrl: ref });
    // 202 (queued behind another deploy): find ours, the newest deploy of this image.
    if (!deploy) deploy = (await render.services.listDeploys(service.id, 5)).find((d) => canonicalImage(d.image?.ref) === ref);
    if (!deploy) throw new PromotionError(`deploy of ${ref} to ${service.name} (${service.id}) was accepted but cannot be found; ${onFail}`);
  }
  o.log?.(`deploying ${ref} to ${service.name}: ${deploy.id}`);
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (deploy.status === "live") return;
    if (deploy.status && !IN_PROGRESS.has(deploy.status)) {
      throw new PromotionError(`deploy ${deploy.id} of ${ref} to ${service.name} ended ${deploy.status}; ${onFail}`);
    }
    if (Date.now() > deadline) {
      throw new PromotionError(
        `deploy ${deploy.id} of ${ref} to ${service.name} was not live within deployTimeoutMs ${o.timeoutMs} ms (status ${deploy.status}); ${onFail}`,
      );
    }
    await sleep(o.pollMs);
    deploy = await render.services.getDeploy(service.id, deploy.id);
  }
}

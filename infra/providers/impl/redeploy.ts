import { RenderClient } from "../../render/client";
import { isRenderApiError } from "../../render/errors";

/**
 * Deploys a service so that env changes reach it. Render's API stores env var, secret file and env group changes
 * (and env group links) without applying them: a running service keeps the env its live deploy started with until
 * its next deploy, which Render's users trigger themselves (the dashboard's "save and deploy"). So every provider
 * that changes what a service's env holds calls this once it is written.
 *
 * A suspended service refuses deploys (409): its new env applies when it is resumed. A service deleted meanwhile
 * (404) has nothing to apply.
 */
export async function deployToApplyEnv(render: RenderClient, serviceId: string): Promise<void> {
  try {
    await render.services.deploy(serviceId);
  } catch (e) {
    if (!(isRenderApiError(e) && (e.status === 409 || e.notFound))) throw e;
  }
}

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startSimulator } from "../../../sim";
import { renderApi } from "../../support/render-api";

/** A PATCH of a service's image made while its first deploy is still running must survive that deploy going live. */
describe("deploy life cycle and the service's image", () => {
  it("keeps an image PATCHed during the first deploy, and a rollback still sets the image", async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-sim-img-"));
    const sim = await startSimulator({ stateDir, timeScale: 0.02, rateLimit: "relaxed" });
    const api = renderApi(sim.apiUrl, sim.apiKey);
    try {
      const created = await api("POST", "/services", {
        type: "web_service",
        name: "img-race",
        ownerId: "tea-stackguardstaging000",
        image: { ownerId: "tea-stackguardstaging000", imagePath: "docker.io/acme/api:1" },
        serviceDetails: { runtime: "image", plan: "starter", healthCheckPath: "/healthz" },
      });
      expect(created.status).toBe(201);
      const id = created.body.service.id;
      expect((await api("PATCH", `/services/${id}`, { image: { ownerId: "tea-stackguardstaging000", imagePath: "docker.io/acme/api:2" } })).status).toBe(200);
      const firstDeploy = created.body.deployId;
      for (let i = 0; i < 200; i++) {
        if ((await api("GET", `/services/${id}/deploys/${firstDeploy}`)).body.status === "live") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await api("GET", `/services/${id}/deploys/${firstDeploy}`)).body.status).toBe("live");
      expect((await api("GET", `/services/${id}`)).body.imagePath).toBe("docker.io/acme/api:2");

      const rollback = await api("POST", `/services/${id}/rollback`, { deployId: firstDeploy });
      expect(rollback.status).toBe(201);
      for (let i = 0; i < 200; i++) {
        if ((await api("GET", `/services/${id}/deploys/${rollback.body.id}`)).body.status === "live") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await api("GET", `/services/${id}`)).body.imagePath).toBe("docker.io/acme/api:1");
    } finally {
      await sim.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

import { statSync } from "node:fs";
import { join } from "node:path";
import { SEED } from "../../../sim/seed";
import { eventually, gitWebService, STAGING, tempState, withSim } from "./helpers";

/** State written before a restart is read back after it, including deploys that were in flight. */
describe("persistence across restarts", () => {
  it("keeps services, env vars, env groups and the API key; resumes an in-flight deploy; seeds only once", async () => {
    const stateDir = tempState();
    const a = await withSim({ stateDir, apiKey: undefined, timeScale: 0.05 });
    const svc = (await a.api.post("/services", gitWebService("persisted"))).body;
    await a.api.put(`/services/${svc.service.id}/env-vars`, [{ key: "CANARY", value: "restart-canary-7f3a" }]);
    const group = (await a.api.post("/env-groups", { name: "persisted-group", ownerId: STAGING, envVars: [{ key: "A", value: "1" }] })).body;
    await a.api.patch(`/services/${SEED.engine}`, { name: "alphastack-engine" });
    expect((await a.api.get(`/services/${svc.service.id}/deploys/${svc.deployId}`)).body.status).toBe("build_in_progress");
    const key = a.sim.apiKey;
    expect(statSync(join(stateDir, "api-key")).mode & 0o777).toBe(0o600);
    await a.done(true);

    const b = await withSim({ stateDir, apiKey: undefined, timeScale: 0.05 });
    try {
      expect(b.sim.apiKey).toBe(key);
      const read = await b.api.get(`/services/${svc.service.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ ...svc.service, updatedAt: read.body.updatedAt });
      expect((await b.api.get(`/services/${svc.service.id}/env-vars`)).body[0].envVar).toEqual({ key: "CANARY", value: "restart-canary-7f3a" });
      expect((await b.api.get(`/env-groups/${group.id}`)).body.envVars).toEqual([{ key: "A", value: "1" }]);
      await eventually(async () => (await b.api.get(`/services/${svc.service.id}/deploys/${svc.deployId}`)).body.status === "live", 15_000);
      const engines = (await b.api.get("/services?name=alphastack-engine")).body;
      expect(engines).toHaveLength(1);
    } finally {
      await b.done();
    }
  });

  it("never stores env var values in plaintext in the state file", async () => {
    const h = await withSim();
    try {
      const svc = (await h.api.post("/services", gitWebService("secret-check"))).body.service.id;
      await h.api.put(`/services/${svc}/env-vars`, [{ key: "TOKEN", value: "canary-secret-9d2e41" }]);
      await h.sim.stop();
      const { readFileSync, readdirSync } = await import("node:fs");
      const files = readdirSync(h.stateDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      expect(files.map((f) => f.name)).toContain("sim.db");
      for (const f of files) {
        expect([f.name, readFileSync(join(f.parentPath ?? (f as any).path, f.name)).includes("canary-secret-9d2e41")]).toEqual([f.name, false]);
      }
    } finally {
      await h.done();
    }
  });
});

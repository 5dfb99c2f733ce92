import { recoveryWindow, waitUntilAvailable } from "../../../infra/ops/pitr";
import { RestoreInputError } from "../../../infra/ops/restore-errors";
import { verifyRestoredDatabase } from "../../../infra/ops/verify-database";
import { RenderClient } from "../../../infra/render/client";
import { RenderHttp } from "../../../infra/render/http";
import { withSim, STAGING } from "../sim/helpers";

/** Recovery window, waiting and verification against the simulator's Postgres life cycle (35 s × timeScale). */
describe("point-in-time recovery steps on the simulator", () => {
  let s: Awaited<ReturnType<typeof withSim>>;
  let render: RenderClient;
  beforeAll(async () => {
    // timeScale 0.1: provisioning takes 3.5 s, long enough to see `creating` and a timeout, short enough for a test.
    s = await withSim({ timeScale: 0.1 });
    render = new RenderClient(new RenderHttp({ config: { apiUrl: s.sim.apiUrl, apiKey: s.sim.apiKey } }));
  });
  afterAll(async () => {
    await s.done();
  });

  it("refuses recovery while the first backup is not ready, times out naming the status, then verifies a recovery", async () => {
    const db = await render.postgres.create({ name: "pitr-steps", ownerId: STAGING, plan: "basic_1gb", version: "16", region: "oregon" });
    const err = await recoveryWindow(render, await render.postgres.get(db.id), new Date()).catch((e) => e);
    expect(err).toBeInstanceOf(RestoreInputError);
    expect(err.message).toMatch(/--stack: point-in-time recovery of pitr-steps .* is BACKUP_NOT_READY: its first backup is not ready yet/);

    const timeout = await waitUntilAvailable(render, db.id, { timeoutMs: 300, pollMs: 100 }).catch((e) => e);
    expect(timeout.message).toMatch(new RegExp(`${db.id} is still 'creating' after 0 s`));

    const ready = await waitUntilAvailable(render, db.id, { timeoutMs: 20_000, pollMs: 200 });
    expect(ready.status).toBe("available");
    const window = await recoveryWindow(render, ready, new Date());
    expect(window.startsAt.getTime()).toBeLessThanOrEqual(Date.now());

    const recovered = await render.postgres.recover(db.id, { restoreTime: new Date(Date.now() - 200).toISOString(), restoreName: "pitr-steps-pitr" });
    const seen: string[] = [];
    const done = await waitUntilAvailable(render, recovered.id, { timeoutMs: 20_000, pollMs: 200, log: (l) => seen.push(l) });
    expect(seen[0]).toBe(`${recovered.id}: recovery_in_progress`);
    const v = await verifyRestoredDatabase(render, done, ready);
    expect(v.ok).toBe(true);
    expect(v.checks.map((c) => c.name)).toEqual([
      "status",
      "not suspended",
      "new instance",
      "same version",
      "same region",
      "internal connection string",
      "external connection string",
      "password",
    ]);
    // No credential in what verification reports.
    const { password } = await render.postgres.connectionInfo(done.id);
    expect(JSON.stringify(v)).not.toContain(password);
  });

  it("fails verification of a suspended database, and waiting for it stops at once", async () => {
    const [db] = await render.postgres.list({ name: ["pitr-steps-pitr"] });
    const [src] = await render.postgres.list({ name: ["pitr-steps"] });
    await render.postgres.suspend(db.id);
    const v = await verifyRestoredDatabase(render, db, src);
    expect(v.ok).toBe(false);
    expect(v.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["status", "not suspended"]);
    await expect(waitUntilAvailable(render, db.id, { timeoutMs: 10_000, pollMs: 100 })).rejects.toThrow(/is suspended: resume it/);
  });
});

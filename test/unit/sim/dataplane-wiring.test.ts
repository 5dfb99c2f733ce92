import { eventually, imageWebService, withSim } from "./helpers";

/** The control plane drives the real data plane: live deploys answer on loopback, faults and metrics flow through. */
describe("control plane ↔ data plane", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  beforeAll(async () => {
    h = await withSim({ timeScale: 0.01 });
  });
  afterAll(() => h.done());

  it("serves a live web service on its loopback URL, injects faults, and reports its traffic as metrics", async () => {
    const created = await h.api.post("/services", imageWebService("wired", { healthCheckPath: "/healthz" }));
    const id = created.body.service.id;
    await eventually(async () => (await h.api.get(`/services/${id}/deploys/${created.body.deployId}`)).body.status === "live", 30_000);
    const url = (await h.api.get(`/services/${id}`)).body.serviceDetails.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    for (let i = 0; i < 5; i++) await (await fetch(`${url}/`)).text();

    const faults = await h.api.call("PUT", `/__sim/services/${id}/faults`, { healthy: false }, { admin: true });
    expect(faults.body.healthy).toBe(false);
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    await h.api.call("PUT", `/__sim/services/${id}/faults`, { healthy: true }, { admin: true });
    const badFault = await h.api.call("PUT", `/__sim/services/${id}/faults`, { errorRate: 2 }, { admin: true });
    expect(badFault.status).toBe(400);
    expect(badFault.body.message).toMatch(/errorRate/);

    const total = await eventually(
      async () => {
        const m = await h.api.get(`/metrics/http-requests?resource=${id}&startTime=${new Date(Date.now() - 120_000).toISOString()}&resolutionSeconds=30`);
        const sum = (m.body[0]?.values ?? []).reduce((a: number, v: { value: number }) => a + v.value, 0);
        return sum >= 5 ? sum : undefined;
      },
      15_000,
      250,
    );
    expect(total).toBeGreaterThanOrEqual(5);

    expect((await h.api.del(`/services/${id}`)).status).toBe(204);
    await eventually(
      async () => {
        try {
          await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      100,
    );
  });
});

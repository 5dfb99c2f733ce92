import autocannon from "autocannon";
import * as http from "node:http";
import { admin, edgeEnv, servedBy, slots, startEdge } from "./helpers";

type Slots = Awaited<ReturnType<typeof slots>>;
let s: Slots;
let edge: Awaited<ReturnType<typeof startEdge>>;

beforeEach(async () => {
  s = await slots("api");
  edge = await startEdge(edgeEnv(s, { EDGE_AUTO_ROLLBACK: "off" }));
});
afterEach(async () => {
  await edge.stop();
  await s.api.blue.close();
  await s.api.green.close();
});

describe("switching", () => {
  it("switches back and forth under load with zero failed requests", async () => {
    const run = autocannon({ url: `${edge.url}/orders`, connections: 16, duration: 4, pipelining: 1 });
    let switches = 0;
    const switcher = (async () => {
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 12; i++) {
        const r = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: i % 2 === 0 ? "green" : "blue" });
        expect(r.status).toBe(200);
        if (r.body.changed) switches++;
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
    const [result] = await Promise.all([run, switcher]);
    expect(switches).toBe(12);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.requests.total).toBeGreaterThan(100);
    expect(s.api.blue.served).toBeGreaterThan(0);
    expect(s.api.green.served).toBeGreaterThan(0);
  });

  it("drains: requests already sent to the old slot complete, new ones go to the new slot, and the switch returns after the drain", async () => {
    s.api.blue.faults.latencyMs = 700;
    const order: string[] = [];
    const slow = Array.from({ length: 5 }, () =>
      servedBy(edge.url, "/slow").then((r) => {
        order.push("old-done");
        return r;
      }),
    );
    // Wait until the five requests are in flight to blue.
    while (edge.inflight.count("api", "blue") < 5) await new Promise((r) => setTimeout(r, 5));
    const sw = admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" }).then((r) => {
      order.push("switch-returned");
      return r;
    });
    // A request started after the switch was applied goes to green at once, while blue still drains.
    while (edge.state.active.api !== "green") await new Promise((r) => setTimeout(r, 5));
    const fresh = await servedBy(edge.url, "/fresh");
    expect(fresh).toMatchObject({ status: 200, slot: "api-green" });
    expect(edge.inflight.count("api", "blue")).toBe(5);
    const results = await Promise.all(slow);
    expect(results.every((r) => r.status === 200 && r.slot === "api-blue")).toBe(true);
    const r = await sw;
    expect(r.body).toMatchObject({ changed: true, drained: true });
    expect(order.indexOf("switch-returned")).toBe(5);
  });

  it("shuts down gracefully: requests in flight complete, then the edge stops", async () => {
    s.api.blue.faults.latencyMs = 400;
    const inflight = servedBy(edge.url, "/slow");
    while (edge.inflight.count("api", "blue") < 1) await new Promise((r) => setTimeout(r, 5));
    const stopped = edge.stop();
    expect(await inflight).toMatchObject({ status: 200, slot: "api-blue" });
    await stopped;
    await expect(new Promise((resolve, reject) => http.get(`${edge.url}/x`, resolve).on("error", reject))).rejects.toThrow(/ECONNREFUSED/);
  });
});

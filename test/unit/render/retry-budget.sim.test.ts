import http from "node:http";
import type { AddressInfo } from "node:net";
import { RenderClient } from "../../../infra/render/client";
import { RenderApiError } from "../../../infra/render/errors";
import { RenderHttp } from "../../../infra/render/http";
import { requestLog } from "../../../infra/render/request-log";
import { withSim } from "../sim/helpers";

/** Tiny waits; the attempt budgets are the defaults under test. */
const fast = { backoff: { baseMs: 2, maxMs: 10 } };

describe("the client's default retry budget", () => {
  let s: Awaited<ReturnType<typeof withSim>>;
  let render: RenderClient;
  const faults = async (cfg: Record<string, unknown>) => {
    expect((await s.api.call("PUT", "/__sim/api-faults", cfg, { admin: true })).status).toBe(200);
  };
  beforeAll(async () => {
    s = await withSim({ timeScale: 0.01, rateLimit: "relaxed" });
    render = new RenderClient(new RenderHttp({ config: { apiUrl: s.sim.apiUrl, apiKey: s.sim.apiKey }, ...fast }));
  });
  afterEach(async () => {
    await faults({});
  });
  afterAll(async () => {
    await s.done();
  });

  it("rides out seven answered failures in a row (5xx and 429): eight attempts", async () => {
    await faults({
      rules: [
        { method: "GET", path: "^/services/srv-alphastackengine0000$", status: 503, times: 4 },
        { method: "GET", path: "^/services/srv-alphastackengine0000$", status: 429, times: 3 },
      ],
    });
    requestLog.reset();
    expect((await render.services.get("srv-alphastackengine0000")).id).toBe("srv-alphastackengine0000");
    expect(requestLog.list().map((e) => e.status)).toEqual([503, 503, 503, 503, 429, 429, 429, 200]);
  });

  it("gives up after eight answered failures, saying how many attempts it made", async () => {
    await faults({ rules: [{ method: "GET", path: "^/services/srv-alphastackengine0000$", status: 502, times: 8 }] });
    const err = await render.services.get("srv-alphastackengine0000").catch((e) => e as RenderApiError);
    expect(err).toMatchObject({ status: 502, attempts: 8 });
  });

  it("stops after five attempts when nothing answers (each may take the whole timeout)", async () => {
    const srv = http.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const c = new RenderClient(new RenderHttp({ config: { apiUrl: `http://127.0.0.1:${port}/v1`, apiKey: "k" }, ...fast }));
    const err = await c.services.get("srv-x").catch((e) => e as RenderApiError);
    expect(err).toMatchObject({ status: 0, attempts: 5 });
  });
});

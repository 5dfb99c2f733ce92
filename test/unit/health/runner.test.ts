import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { EdgeMetricsProvider, HttpProbeProvider, parseMetric, runAnalysis } from "../../../infra/health";

let server: http.Server;
let base = "";
let status = 200;
let hang = false;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (hang) return; // never answers
    if (req.url?.startsWith("/__edge/metrics")) return void res.writeHead(401).end();
    res.writeHead(status).end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);
beforeEach(() => {
  status = 200;
  hang = false;
});

const metric = (over = {}) => parseMetric({ name: "probe", intervalMs: 20, count: 3, timeoutMs: 300, successCondition: { status: ["2xx"] }, ...over });

describe("runAnalysis with real HTTP probes", () => {
  it("measures at the interval until count and succeeds", async () => {
    const r = await runAnalysis({ metric: metric(), provider: new HttpProbeProvider({ url: `${base}/healthz` }) });
    expect(r).toMatchObject({ phase: "Successful", measurements: 3, aborted: false });
    expect(r.series).toHaveLength(3);
  });

  it("stops early on failure", async () => {
    status = 503;
    const r = await runAnalysis({ metric: metric({ count: 10 }), provider: new HttpProbeProvider({ url: `${base}/healthz` }) });
    expect(r.phase).toBe("Failed");
    expect(r.series).toHaveLength(1);
  });

  it("a hung app is a timed-out probe (status 0), failing the analysis", async () => {
    hang = true;
    const r = await runAnalysis({ metric: metric({ timeoutMs: 100 }), provider: new HttpProbeProvider({ url: `${base}/healthz`, timeoutMs: 5_000 }) });
    expect(r.phase).toBe("Failed");
    expect(r.series[0].value).toMatchObject({ status: 0, transportError: "timeout" });
  });

  it("a connection refused is status 0 with its code", async () => {
    const r = await runAnalysis({ metric: metric(), provider: new HttpProbeProvider({ url: "http://127.0.0.1:1/healthz" }) });
    expect(r.phase).toBe("Failed");
    expect(r.series[0].value?.transportError).toBe("ECONNREFUSED");
  });

  it("waits the initial delay and can be cancelled without recording the cancellation as a failure", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = Date.now();
    const r = await runAnalysis({ metric: metric({ initialDelayMs: 5_000 }), provider: new HttpProbeProvider({ url: `${base}/healthz` }), signal: ac.signal });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r).toMatchObject({ aborted: true, phase: "Running", measurements: 0 });
  });

  it("provider errors (an unauthorised metrics endpoint) are Errors, ending the run at the consecutive-error limit", async () => {
    const provider = new EdgeMetricsProvider({ edgeUrl: base, token: "canary-token-do-not-log", app: "api", windowMs: 10 });
    const r = await runAnalysis({
      metric: parseMetric({ name: "bake", intervalMs: 10, count: 5, consecutiveErrorLimit: 1, successCondition: { errorRate: { lt: 0.01 } } }),
      provider,
    });
    expect(r.phase).toBe("Error");
    expect(r.series[0].error).toContain("HTTP 401");
    expect(JSON.stringify(r)).not.toContain("canary-token-do-not-log");
  });
});

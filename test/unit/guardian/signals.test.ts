import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import { Guardian } from "../../../apps/guardian/guardian";
import { seriesKey } from "../../../apps/guardian/series";
import { certificateDaysLeft } from "../../../apps/guardian/sources/cert";
import { loadExtensions } from "../../../apps/edge/extensions";
import type { Edge } from "../../../apps/edge/edge";
import { startEdge } from "../edge/helpers";
import { TOKEN, guardianConfig, putRules, rule, setFaults, startSim, steadyTraffic, until, webService } from "./helpers";

jest.setTimeout(120_000);

/** Every signal the rules can name is collected from its real source. */
describe("guardian: signal collection", () => {
  let h: Awaited<ReturnType<typeof startSim>>;
  let edge: Edge & { lines: string[] };
  let blue: { id: string; url: string };
  let green: { id: string; url: string };
  let g: Guardian;

  beforeAll(async () => {
    h = await startSim();
    [blue, green] = await Promise.all([webService(h.api, "api-blue"), webService(h.api, "api-green")]);
    edge = await startEdge(
      {
        PORT: "0",
        EDGE_LISTEN_HOST: "127.0.0.1",
        EDGE_ADMIN_TOKEN: TOKEN,
        EDGE_AUTO_ROLLBACK: "off",
        EDGE_APPS: JSON.stringify({ api: { blue: blue.url, green: green.url, healthPath: "/healthz" } }),
        EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
      },
      { extensions: loadExtensions({ EDGE_VITALS_APPS: "frontend" }) },
    );
    const domain = await h.api("POST", `/services/${blue.id}/custom-domains`, { name: "api.guardian-test.example" });
    expect(domain.status).toBe(201);
    const base = { comparator: ">" as const, critical: { threshold: 1e9 } };
    await putRules(edge.url, [
      rule({ ...base, name: "err", signal: "api.error_rate", target: "api" }),
      ...(["p50", "p90", "p95", "p99"] as const).map((p) => rule({ ...base, name: `lat-${p}`, signal: `api.latency_${p}`, target: "api" })),
      rule({ name: "avail", signal: "api.availability", target: "api", comparator: "<", critical: { threshold: 0.5 } }),
      rule({ name: "engine", signal: "alphastack.engine_status", comparator: "<", critical: { threshold: 0.5 } }),
      ...(["lcp", "inp", "cls", "ttfb"] as const).map((v) => rule({ ...base, name: `web-${v}`, signal: `frontend.${v}`, target: "frontend", window: "1m" })),
      rule({ ...base, name: "cpu", signal: "resource.cpu", target: "api-blue", window: "5m" }),
      rule({ ...base, name: "mem", signal: "resource.memory", target: "api-blue", window: "5m" }),
      rule({ name: "inst", signal: "resource.instance_count", target: "api-blue", comparator: "<", critical: { threshold: 1 }, window: "5m" }),
      rule({ name: "dom", signal: "domain.verification", target: "api.guardian-test.example", comparator: "<", critical: { threshold: 1 }, window: "5m" }),
    ]);
    g = new Guardian(
      guardianConfig({
        EDGE_URL: edge.url,
        RENDER_API_URL: h.sim.apiUrl,
        RENDER_API_KEY: h.sim.apiKey,
        EDGE_SERVICE_ID: blue.id,
        GUARDIAN_VITALS_WINDOW_MS: "60000",
      }),
      { log: () => undefined },
    );
    g.start();
  });
  afterAll(async () => {
    await g?.stop();
    await edge?.stop();
    await h?.close();
  });
  const samples = (signal: string, target?: string) => g.store.input(seriesKey(signal, target)).samples;

  it("API error rate and latency percentiles from the edge's metrics, weighted by requests", async () => {
    const load = steadyTraffic(edge.url);
    try {
      await until(() => samples("api.error_rate", "api").length >= 3, 15_000, "error-rate samples");
      await setFaults(h.sim, blue.id, { errorRate: 1 });
      await until(() => samples("api.error_rate", "api").some((s) => s.v > 0.9), 15_000, "a 100% error sample");
      await setFaults(h.sim, blue.id, { errorRate: 0 });
    } finally {
      await load.stop();
    }
    const err = samples("api.error_rate", "api");
    expect(err[0]!.v).toBe(0);
    expect(err.every((s) => (s.n ?? 0) > 0)).toBe(true);
    for (const p of ["p50", "p90", "p95", "p99"]) {
      const l = samples(`api.latency_${p}`, "api");
      expect(l.length).toBeGreaterThan(0);
      expect(l.every((s) => s.v > 0 && s.v < 5000)).toBe(true);
    }
  });

  it("API availability from probes of the active slot's health path", async () => {
    await until(() => samples("api.availability", "api").length >= 2, 10_000, "probes");
    expect(samples("api.availability", "api").at(-1)!.v).toBe(1);
    await setFaults(h.sim, blue.id, { healthy: false });
    try {
      await until(() => samples("api.availability", "api").at(-1)!.v === 0, 10_000, "a failed probe");
    } finally {
      await setFaults(h.sim, blue.id, { healthy: true });
    }
  });

  it("AlphaStack engine status from a read-only probe of its health endpoint", async () => {
    await until(() => samples("alphastack.engine_status").length >= 2, 10_000, "engine probes");
    expect(samples("alphastack.engine_status").at(-1)).toMatchObject({ v: 1, n: 1 });
  });

  it("web vitals: the p75 of the beacons the edge collected, weighted by new beacons", async () => {
    const post = (body: unknown) => fetch(`${edge.url}/__vitals`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(body) });
    for (let i = 1; i <= 8; i++) expect((await post({ app: "frontend", name: "LCP", value: i * 500, rating: "good", id: `v4-${i}` })).status).toBe(204);
    expect(
      (
        await post({
          app: "frontend",
          metrics: [
            { name: "INP", value: 120 },
            { name: "CLS", value: 0.05 },
            { name: "TTFB", value: 300 },
          ],
        })
      ).status,
    ).toBe(204);
    await until(() => samples("frontend.lcp", "frontend").length > 0 && samples("frontend.ttfb", "frontend").length > 0, 10_000, "vitals samples");
    const lcp = samples("frontend.lcp", "frontend");
    expect(lcp.at(-1)!.v).toBe(3000); // nearest-rank p75 of 500…4000
    expect(lcp.reduce((a, s) => a + (s.n ?? 0), 0)).toBe(8); // each beacon counted once
    expect(samples("frontend.inp", "frontend").at(-1)!.v).toBe(120);
    expect(samples("frontend.cls", "frontend").at(-1)!.v).toBe(0.05);
  });

  it("CPU, memory (% of the plan) and instance count from Render's metrics API; domain verification from its custom domains", async () => {
    await until(() => samples("resource.instance_count", "api-blue").length > 0 && samples("resource.cpu", "api-blue").length > 0, 30_000, "Render metrics");
    expect(samples("resource.instance_count", "api-blue").at(-1)!.v).toBe(1);
    const cpu = samples("resource.cpu", "api-blue").at(-1)!.v;
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(100 * 8);
    const mem = samples("resource.memory", "api-blue");
    expect(mem.length).toBeGreaterThan(0);
    expect(mem.at(-1)!.v).toBeGreaterThan(0);
    await until(() => samples("domain.verification", "api.guardian-test.example").length > 0, 10_000, "domain");
    const d = (await h.api("GET", `/services/${blue.id}/custom-domains/api.guardian-test.example`)).body;
    expect(samples("domain.verification", "api.guardian-test.example").at(-1)!.v).toBe(d.verificationStatus === "verified" ? 1 : 0);
  });

  it("certificate days left from a TLS handshake", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-cert-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-days",
        "30",
        "-keyout",
        path.join(dir, "k.pem"),
        "-out",
        path.join(dir, "c.pem"),
      ],
      { stdio: "ignore" },
    );
    const server = tls.createServer({ key: fs.readFileSync(path.join(dir, "k.pem")), cert: fs.readFileSync(path.join(dir, "c.pem")) }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const days = await certificateDaysLeft("localhost", { port: (server.address() as AddressInfo).port, timeoutMs: 3000 });
      expect(days).toBeGreaterThan(29);
      expect(days).toBeLessThanOrEqual(30);
      await expect(certificateDaysLeft("localhost", { port: 1, timeoutMs: 1000 })).rejects.toThrow(/TLS handshake with localhost failed/);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { Guardian } from "../../../apps/guardian/guardian";
import { OtlpReceiver } from "../../../apps/guardian/otlp-receiver";
import { loadExtensions } from "../../../apps/edge/extensions";
import type { Edge } from "../../../apps/edge/edge";
import { startEdge } from "../edge/helpers";
import { TOKEN, guardianConfig, putRules, rule, setFaults, startSim, startWebhook, steadyTraffic, until, webService, type Webhook } from "./helpers";

jest.setTimeout(120_000);

const OTLP_TOKEN = "canary-otlp-" + "token-0123456789";

function exportRequest(points: Array<{ name: string; service: string; instance: string; value: number; tMs: number }>) {
  const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];
  return {
    resource: { attributes: { "cloud.provider": "render" } },
    scopeMetrics: [
      {
        scope: { name: "render" },
        metrics: [...new Set(points.map((p) => p.name))].map((name) => ({
          descriptor: { name, description: "", unit: "1", valueType: 1 },
          dataPointType: 2,
          aggregationTemporality: 1,
          dataPoints: points
            .filter((p) => p.name === name)
            .map((p) => ({
              startTime: hr(p.tMs - 1000),
              endTime: hr(p.tMs),
              attributes: { "service.name": p.service, "service.instance.id": p.instance },
              value: p.value,
            })),
        })),
      },
    ],
  };
}

describe("guardian: Render's metrics stream pushed to it (OTLP/HTTP), no Render key", () => {
  it("the receiver takes OTLP JSON and protobuf with the stream's token, refuses the rest, and never crashes", async () => {
    const r = new OtlpReceiver({ token: OTLP_TOKEN, port: 0, host: "127.0.0.1" });
    const port = await r.start();
    const url = `http://127.0.0.1:${port}/v1/metrics`;
    const t = Date.now();
    try {
      const pb = ProtobufMetricsSerializer.serializeRequest(
        exportRequest([{ name: "render.service.cpu.usage", service: "api-blue", instance: "srv-x-0", value: 0.25, tMs: t }]) as never,
      )!;
      const ok = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${OTLP_TOKEN}`, "content-type": "application/x-protobuf" }, body: pb });
      expect(ok.status).toBe(200);
      const json = {
        resourceMetrics: [
          {
            resource: { attributes: [{ key: "service.name", value: { stringValue: "api-blue" } }] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: "render.service.cpu.limit",
                    gauge: {
                      dataPoints: [
                        {
                          attributes: [{ key: "service.instance.id", value: { stringValue: "srv-x-0" } }],
                          timeUnixNano: String(BigInt(t) * 1_000_000n),
                          asDouble: 0.5,
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      };
      expect(
        (
          await fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${OTLP_TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify(json),
          })
        ).status,
      ).toBe(200);
      expect(r.pointsFor("api-blue").map((p) => [p.metric, p.instance, p.v])).toEqual([
        ["render.service.cpu.usage", "srv-x-0", 0.25],
        ["render.service.cpu.limit", "srv-x-0", 0.5],
      ]);

      expect((await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
      expect(
        (await fetch(url, { method: "POST", headers: { authorization: "Bearer wrong-token-0123456789", "content-type": "application/json" }, body: "{}" }))
          .status,
      ).toBe(401);
      const bad = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${OTLP_TOKEN}`, "content-type": "application/json" },
        body: "{not json",
      });
      expect(bad.status).toBe(400);
      expect(await bad.text()).not.toContain(OTLP_TOKEN);
      expect(
        (
          await fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${OTLP_TOKEN}`, "content-type": "application/x-protobuf" },
            body: Buffer.from([0xff, 0xff, 0xff]),
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${OTLP_TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({ resourceMetrics: 3 }),
          })
        ).status,
      ).toBe(400);
      expect((await fetch(url, { method: "POST", headers: { authorization: `Bearer ${OTLP_TOKEN}`, "content-type": "text/plain" }, body: "x" })).status).toBe(
        415,
      );
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await r.stop();
    }
  });

  describe("with the simulator pushing its data plane's metrics", () => {
    let h: Awaited<ReturnType<typeof startSim>>;
    let blue: { id: string; url: string };
    let green: { id: string; url: string };
    let edge: Edge & { lines: string[] };
    let hook: Webhook;

    beforeAll(async () => {
      h = await startSim();
      [blue, green] = await Promise.all([webService(h.api, "api-blue"), webService(h.api, "api-green")]);
      edge = await startEdge(
        {
          PORT: "0",
          EDGE_LISTEN_HOST: "127.0.0.1",
          EDGE_ADMIN_TOKEN: TOKEN,
          EDGE_APPS: JSON.stringify({ api: { blue: blue.url, green: green.url, healthPath: "/healthz" } }),
          EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
          EDGE_PROBE_INTERVAL_MS: "200",
          EDGE_DRAIN_TIMEOUT_MS: "1000",
          EDGE_SHUTDOWN_GRACE_MS: "1000",
          // The guardian's decisions are under test: the edge's own passive rollback on failing requests would pre-empt them.
          EDGE_PASSIVE_ROLLBACK: "off",
        },
        { extensions: loadExtensions({}) },
      );
      hook = await startWebhook();
    });
    afterAll(async () => {
      await hook?.close();
      await edge?.stop();
      await h?.close();
    });

    it("detects bench:detection's scenario (errors on the active slot → critical, rollback) and resource alerts from pushed metrics, with no Render key", async () => {
      await putRules(edge.url, [
        rule({
          name: "api-error-rate",
          signal: "api.error_rate",
          target: "api",
          comparator: ">",
          critical: { threshold: 0.2, recovery: 0.1 },
          window: "2s",
          for: "0s",
          keepFiringFor: "3s",
          noData: "keep-last",
          minSamples: 5,
          action: { type: "rollback", app: "api" },
        }),
        // One instance runs; "fewer than 2" fires as soon as a push has arrived: proof the pushed series feed rules.
        rule({
          name: "api-blue-instances",
          signal: "resource.instance_count",
          target: "api-blue",
          comparator: "<",
          critical: { threshold: 2, recovery: 2 },
          window: "5s",
          for: "0s",
          noData: "ok",
          minSamples: 1,
        }),
        rule({
          name: "api-blue-memory",
          signal: "resource.memory",
          target: "api-blue",
          comparator: ">",
          critical: { threshold: 1000, recovery: 900 },
          window: "5s",
          for: "0s",
          noData: "ok",
          minSamples: 1,
        }),
      ]);
      const env = { EDGE_URL: edge.url, ALERT_WEBHOOK_URL: hook.url, GUARDIAN_OTLP_TOKEN: OTLP_TOKEN, GUARDIAN_OTLP_PORT: "0" };
      expect(Object.keys(env).some((k) => k.startsWith("RENDER_"))).toBe(false);
      const cfg = guardianConfig(env);
      expect(cfg.render).toBeUndefined();
      const lines: string[] = [];
      const g = new Guardian(cfg, { log: (l) => lines.push(l) });
      const load = steadyTraffic(edge.url);
      g.start();
      try {
        const port = await until(() => g.receiver?.port, 10_000, "receiver listening");
        // The workspace's metrics stream, as the MetricStream resource creates it.
        const put = await h.api("PUT", "/metrics-stream/tea-stackguardstaging000", { provider: "CUSTOM", url: `http://127.0.0.1:${port}`, token: OTLP_TOKEN });
        expect(put.status).toBe(200);
        await until(() => g.stateOf("api-blue-instances")?.status === "firing", 30_000, "instance-count alert from pushed metrics");
        expect(g.receiver!.pointsFor("api-blue").some((p) => p.metric === "render.service.memory.usage" && p.v > 0)).toBe(true);
        expect(g.stateOf("api-blue-memory")?.status).not.toBe("firing");

        await setFaults(h.sim, blue.id, { errorRate: 0.6 });
        await until(() => g.actionsTaken.length > 0, 30_000, "rollback");
        expect(g.actionsTaken[0]).toMatchObject({ rule: "api-error-rate", action: "rollback", result: { ok: true } });
        await g.idle();
        const fired = hook.bodies.map((b) => b.text).filter((t) => t.includes("FIRING critical"));
        expect(fired.some((t) => t.includes("api-error-rate"))).toBe(true);
        for (const text of [...hook.raw, ...lines]) expect(text).not.toContain(OTLP_TOKEN);
      } finally {
        await load.stop();
        await g.stop();
        await setFaults(h.sim, blue.id, { errorRate: 0 });
      }
    });
  });
});

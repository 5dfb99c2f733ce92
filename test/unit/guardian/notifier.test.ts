import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Guardian } from "../../../apps/guardian/guardian";
import { Notifier, type Notice } from "../../../apps/guardian/notifier";
import { loadExtensions } from "../../../apps/edge/extensions";
import { startEdge, slots, edgeEnv } from "../edge/helpers";
import { CANARY_WEBHOOK_PATH, guardianConfig, putRules, rule, startWebhook, until } from "./helpers";

jest.setTimeout(60_000);

const r = rule({ name: "engine", signal: "alphastack.engine_status", comparator: "<", critical: { threshold: 0.5 } });
const firing = (at: number): Notice => ({
  kind: "alert",
  rule: r,
  environment: "test",
  event: { type: "firing", rule: "engine", at, level: "critical", value: 0, message: "engine is firing at critical" },
});
const resolved = (at: number): Notice => ({
  kind: "alert",
  rule: r,
  environment: "test",
  event: { type: "resolved", rule: "engine", at, value: 1, message: "engine resolved" },
});

describe("guardian notifications (real webhook server)", () => {
  it("retries a failing webhook with growing backoff until it takes the message, in order, deduplicated", async () => {
    const hook = await startWebhook({ failFirst: 3, failStatus: 503 });
    const lines: string[] = [];
    const n = new Notifier({ url: hook.url, attempts: 6, backoffMs: 50, redact: (s) => s, log: (l) => lines.push(l) });
    try {
      expect(n.notify(firing(1))).toBe(true);
      expect(n.notify(firing(2))).toBe(false); // the same episode at the same level: already announced
      expect(n.notify(resolved(3))).toBe(true);
      expect(n.notify(resolved(4))).toBe(false);
      await n.idle();
      expect(hook.bodies.map((b) => b.text)).toEqual([expect.stringContaining("[FIRING critical] engine"), expect.stringContaining("[RESOLVED] engine")]);
      expect(hook.calls).toHaveLength(5); // three refusals, then both messages
      const gaps = hook.calls.slice(1, 4).map((t, i) => t - hook.calls[i]!);
      expect(gaps[2]!).toBeGreaterThan(gaps[0]! * 2); // 50 → 100 → 200 ms (±20 %)
      expect(lines.filter((l) => /retry \d\/5/.test(l))).toHaveLength(3);
      expect(n.stats).toMatchObject({ delivered: 2, failed: 0 });
    } finally {
      await hook.close();
    }
  });

  it("does not retry a webhook that rejects the message (4xx other than 429), and carries on with the next", async () => {
    const hook = await startWebhook({ failFirst: 1, failStatus: 404 });
    const n = new Notifier({ url: hook.url, attempts: 5, backoffMs: 20, redact: (s) => s, log: () => undefined });
    try {
      n.notify(firing(1));
      n.notify(resolved(2));
      await n.idle();
      expect(hook.calls).toHaveLength(2);
      expect(n.stats).toMatchObject({ delivered: 1, failed: 1 });
    } finally {
      await hook.close();
    }
  });

  it("a webhook that never answers does not hold up evaluation", async () => {
    // A webhook that accepts connections and never responds.
    const held: http.ServerResponse[] = [];
    const stall = http.createServer((_req, res) => void held.push(res));
    await new Promise<void>((res) => stall.listen(0, "127.0.0.1", () => res()));
    const engine = http.createServer((_req, res) => res.writeHead(503).end("down"));
    await new Promise<void>((res) => engine.listen(0, "127.0.0.1", () => res()));
    const s = await slots("api");
    const edge = await startEdge(edgeEnv(s), { extensions: loadExtensions({}) });
    const g = new Guardian(
      guardianConfig({
        EDGE_URL: edge.url,
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${(stall.address() as AddressInfo).port}${CANARY_WEBHOOK_PATH}`,
        ALPHASTACK_HEALTH_URL: `http://127.0.0.1:${(engine.address() as AddressInfo).port}/healthz`,
      }),
      { log: () => undefined },
    );
    try {
      await putRules(edge.url, [rule({ name: "engine", signal: "alphastack.engine_status", comparator: "<", critical: { threshold: 0.5 }, window: "2s" })]);
      g.start();
      await until(() => held.length > 0, 10_000, "webhook called");
      const ticksAtCall = g.ticks;
      // The first delivery attempt hangs for its 5 s timeout; ticks go on meanwhile, every 100 ms.
      await new Promise((res) => setTimeout(res, 1500));
      expect(g.ticks - ticksAtCall).toBeGreaterThanOrEqual(8);
      expect(g.lastTickMs).toBeLessThan(1000);
      expect(g.stateOf("engine")?.status).toBe("firing");
    } finally {
      await g.stop();
      for (const res of held) res.destroy();
      stall.closeAllConnections();
      await new Promise((res) => stall.close(() => res(undefined)));
      await new Promise((res) => engine.close(() => res(undefined)));
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });
});

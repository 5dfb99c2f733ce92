import { loadExtensions } from "../../../apps/edge/extensions";
import { ClientRateLimiter } from "../../../apps/edge/vitals";
import { actionToTake, parseAlertRule, validateAlertRule, type AlertRule } from "../../../infra/alerts";
import { provider } from "../../../infra/providers/impl/alert-rule";
import { edgeEnv, slots, startEdge, TOKEN } from "./helpers";

/** Issue 13 (medium): the public `/__vitals` endpoint and the signals it feeds. */
describe("public web-vitals beacons", () => {
  it("are accepted for the edge's configured apps only, and rate-limited per client", async () => {
    const s = await slots("api");
    const env = edgeEnv(s, { EDGE_VITALS_APPS: "frontend", EDGE_VITALS_RATE_PER_MIN: "10" });
    const edge = await startEdge(env, { extensions: loadExtensions(env) });
    const post = (body: unknown, client = "203.0.113.7") =>
      fetch(`${edge.url}/__vitals`, {
        method: "POST",
        headers: { "content-type": "text/plain", "x-forwarded-for": `198.51.100.1, ${client}` },
        body: JSON.stringify(body),
      });
    try {
      expect((await post({ app: "api", name: "LCP", value: 1000 })).status).toBe(204);
      expect((await post({ app: "frontend", name: "LCP", value: 1000 })).status).toBe(204);
      const other = await post({ app: "invented-app-1", name: "LCP", value: 1000 });
      expect(other.status).toBe(400);
      expect(((await other.json()) as { error: string }).error).toMatch(/^app: 'invented-app-1' is not an app of this edge/);
      // 10 per minute per client: 3 used above, 7 more pass, the 11th is refused; another client is not affected.
      for (let i = 0; i < 7; i++) expect((await post({ app: "api", name: "TTFB", value: 100 })).status).toBe(204);
      const limited = await post({ app: "api", name: "TTFB", value: 100 });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("30");
      expect((await post({ app: "api", name: "TTFB", value: 100 }, "203.0.113.8")).status).toBe(204);
      // Server-side collectors with the admin token are not limited, but still only for known apps.
      const adminPost = (app: string) =>
        fetch(`${edge.url}/__edge/vitals`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ app, name: "LCP", value: 1 }),
        });
      expect((await adminPost("api")).status).toBe(204);
      expect((await adminPost("nope")).status).toBe(400);
    } finally {
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });

  it("the limiter's own memory is bounded, and rotating addresses does not lift the total", () => {
    let t = 0;
    const l = new ClientRateLimiter(60, 100, () => t);
    let passed = 0;
    for (let i = 0; i < 20_000; i++) if (l.take(`10.0.${i >> 8}.${i & 255}`)) passed++;
    expect(l.size).toBe(100);
    expect(passed).toBe(6_000); // the global bucket: 100 clients' worth per minute
    t += 60_000;
    expect(l.take("10.9.9.9")).toBe(true);
  });
});

describe("alert rules on publicly fed signals", () => {
  const vitalRule = {
    name: "frontend-lcp",
    signal: "frontend.lcp",
    target: "frontend",
    comparator: ">",
    critical: { threshold: 4000 },
    severity: "ticket",
    runbookUrl: "https://runbooks.example/frontend-lcp",
  };

  it("refuse rollback and killSwitch actions, naming the field; notify-only rules stay valid", async () => {
    for (const action of [
      { type: "rollback", app: "frontend" },
      { type: "killSwitch", flag: "new-order-form" },
    ]) {
      const r = validateAlertRule({ ...vitalRule, action });
      expect(r.ok).toBe(false);
      expect(!r.ok && r.issues).toEqual([
        {
          path: "action.type",
          message: expect.stringMatching(new RegExp(`^'${action.type}' is refused on frontend.lcp: it is fed by public web-vitals beacons`)),
        },
      ]);
      // The provider's check refuses it before any call, naming the field.
      const c = await provider.check!({}, { rule: { ...vitalRule, action }, adminToken: TOKEN });
      expect(c.failures![0]).toEqual({
        property: "rule",
        reason: expect.stringMatching(/rule\.action\.type: '(rollback|killSwitch)' is refused on frontend\.lcp/),
      });
    }
    expect(validateAlertRule({ ...vitalRule, action: { type: "none" } }).ok).toBe(true);
    expect(
      validateAlertRule({
        ...vitalRule,
        signal: "api.error_rate",
        target: "api",
        comparator: ">",
        critical: { threshold: 0.05 },
        action: { type: "rollback", app: "api" },
      }).ok,
    ).toBe(true);
  });

  it("never act at evaluation time either, even for a rule that bypassed validation", () => {
    const forged = { ...parseAlertRule(vitalRule), action: { type: "rollback", app: "frontend" } } as AlertRule;
    const firing = {
      state: { status: "firing" as const, since: 0, level: "critical" as const },
      events: [{ type: "firing" as const, rule: forged.name, at: 0, level: "critical" as const, message: "" }],
      outcome: { kind: "nodata" as const },
    };
    expect(actionToTake(forged, firing)).toBeUndefined();
    const api = parseAlertRule({
      ...vitalRule,
      name: "api-errors",
      signal: "api.error_rate",
      target: "api",
      critical: { threshold: 0.05 },
      action: { type: "rollback", app: "api" },
    });
    expect(actionToTake(api, firing)).toEqual({ type: "rollback", app: "api" });
  });
});

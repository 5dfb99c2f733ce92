import { loadExtensions } from "../../../apps/edge/extensions";
import { p75, VitalsSummarySchema } from "../../../apps/edge/vitals";
import { admin, edgeEnv, slots, startEdge } from "../edge/helpers";

/** The web-vitals beacon endpoint, mounted in a real edge. */
describe("edge: web-vitals beacons", () => {
  it("takes public beacons (single and batched), refuses bad ones naming the field, and summarises for the admin token only", async () => {
    const s = await slots("api");
    const edge = await startEdge(edgeEnv(s), { extensions: loadExtensions({ EDGE_VITALS_ALLOW_ORIGIN: "https://app.example", EDGE_VITALS_APPS: "frontend" }) });
    const post = (body: unknown, path = "/__vitals") =>
      fetch(`${edge.url}${path}`, { method: "POST", headers: { "content-type": "text/plain" }, body: typeof body === "string" ? body : JSON.stringify(body) });
    try {
      const ok = await post({ app: "frontend", name: "LCP", value: 2100, rating: "good", delta: 2100, id: "v4-1", navigationType: "navigate" });
      expect(ok.status).toBe(204);
      expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(
        (
          await post({
            app: "frontend",
            metrics: [
              { name: "LCP", value: 4100 },
              { name: "INP", value: 180 },
              { name: "CLS", value: 0.3 },
              { name: "TTFB", value: 900 },
            ],
          })
        ).status,
      ).toBe(204);
      const pre = await fetch(`${edge.url}/__vitals`, { method: "OPTIONS" });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-methods")).toContain("POST");

      const bad: Array<[unknown, RegExp]> = [
        [{ app: "frontend", name: "FID", value: 10 }, /^name: name must be one of LCP, INP, CLS, TTFB/],
        [{ app: "frontend", name: "LCP", value: "fast" }, /^value: value must be a number/],
        [{ app: "frontend", name: "LCP", value: -1 }, /^value: value must be at least 0/],
        [{ name: "LCP", value: 10 }, /^app: app is required/],
        [{ app: "Front End", name: "LCP", value: 10 }, /^app: app must be an app name/],
        [{ app: "frontend", metrics: [] }, /^metrics: metrics must not be empty/],
        [
          {
            app: "frontend",
            metrics: [
              { name: "LCP", value: 1 },
              { name: "XYZ", value: 1 },
            ],
          },
          /^metrics\.1\.name: /,
        ],
        ["{not json", /not valid JSON/],
      ];
      for (const [body, msg] of bad) {
        const r = await post(body);
        expect(r.status).toBe(400);
        expect(((await r.json()) as { error: string }).error).toMatch(msg);
      }
      expect((await fetch(`${edge.url}/__vitals`)).status).toBe(405);

      // The summary is admin-only.
      expect((await admin(edge.url, "GET", "/__edge/vitals", undefined, null)).status).toBe(401);
      const sum = await admin(edge.url, "GET", "/__edge/vitals?windowMs=60000&since=0");
      expect(sum.status).toBe(200);
      const parsed = VitalsSummarySchema.parse(sum.body);
      expect(parsed.apps.frontend!.LCP).toEqual({ count: 2, p75: 4100, newCount: 2 });
      expect(parsed.apps.frontend!.CLS).toEqual({ count: 1, p75: 0.3, newCount: 1 });
      // Nothing new since the summary was taken.
      const later = VitalsSummarySchema.parse((await admin(edge.url, "GET", `/__edge/vitals?windowMs=60000&since=${parsed.takenAt}`)).body);
      expect(later.apps.frontend!.LCP!.newCount).toBe(0);
      // Server-side collectors may post with the admin token.
      expect((await admin(edge.url, "POST", "/__edge/vitals", { app: "frontend", name: "TTFB", value: 100 })).status).toBe(204);
      // Beacons never reach the apps.
      expect(s.api.blue.served + s.api.green.served).toBe(0);
    } finally {
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });

  it("p75 is the nearest-rank 75th percentile", () => {
    expect(p75([])).toBeUndefined();
    expect(p75([5])).toBe(5);
    expect(p75([4, 1, 3, 2])).toBe(3);
    expect(p75([1, 2, 3, 4, 5, 6, 7, 8])).toBe(6);
  });
});

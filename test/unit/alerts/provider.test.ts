import type { EdgeContext } from "../../../apps/edge/extensions";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import type { EdgeState } from "../../../apps/edge/state";
import { alertsExtension } from "../../../infra/alerts";
import { provider } from "../../../infra/providers/impl/alert-rule";
import { listen } from "../flags/server";

const TOKEN = "canary-edge-token-5ae0";

const rule = {
  name: "api-error-rate",
  signal: "api.error_rate",
  target: "api",
  comparator: ">",
  critical: { threshold: 0.02, recovery: 0.01 },
  interval: "30s",
  for: "2m",
  severity: "page",
  runbookUrl: "https://runbooks.example/api-error-rate",
  action: { type: "rollback", app: "api" },
};

describe("stackguard:AlertRule provider", () => {
  it("check rejects bad rules naming the field, before any call", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ signal: "api.mood" }, /rule\.signal: unknown signal/],
      [{ critical: { threshold: "high" } }, /rule\.critical\.threshold: must be a number/],
      [{ interval: "1m", for: "30s" }, /rule\.for: 30s is shorter than the evaluation interval 1m/],
      [{ action: { type: "rollback", app: "alphastack-engine" } }, /rule\.action\.app: 'alphastack-engine' is AlphaStack/],
    ];
    for (const [over, re] of cases) {
      const r = await provider.check!({}, { rule: { ...rule, ...over }, adminToken: TOKEN });
      expect(r.failures![0]).toEqual({ property: "rule", reason: expect.stringMatching(re) });
    }
  });

  it("stores the resolved rule on the edge (alerts extension), where the guardian reads it; detects drift; deletes", async () => {
    let doc: EdgeState = { version: 1, updatedAt: "2026-11-26T00:00:00Z", by: "config", active: {}, verdicts: {}, events: [], ext: {} };
    const ctx: EdgeContext = {
      state: () => doc,
      update: async (m) => {
        const next = m(doc);
        if (next) doc = next;
        return { changed: !!next, state: doc };
      },
      onState: () => {},
      log: () => {},
    };
    const ext = alertsExtension();
    await ext.start!(ctx);
    const srv = await listen((req, res) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
      void ext.handle(req, res, { admin: true, path: (req.url ?? "/").split("?")[0]! });
    });
    // URL and token come from the resource's inputs, nothing from the environment.
    const saved = { ...process.env };
    delete process.env.EDGE_URL;
    delete process.env.EDGE_ADMIN_TOKEN;
    const access = { edgeUrl: srv.url, adminToken: TOKEN };
    try {
      const checked = (await provider.check!({}, { rule, ...access })).inputs;
      expect(checked.adminToken).toBe(TOKEN);
      expect(checked.rule).toMatchObject({ window: "5m", noData: "nodata" });
      const created = await provider.create(checked);
      expect(created.id).toBe("api-error-rate");
      const guardian = new EdgeAdminClient({ url: srv.url, token: TOKEN }).alerts;
      expect((await guardian.list()).rules.map((r) => r.name)).toEqual(["api-error-rate"]);
      expect(doc.version).toBe(2);

      expect((await provider.diff!("api-error-rate", created.outs, checked)).changes).toBe(false);
      await guardian.put({ ...checked.rule, for: "10m" }); // edited behind Pulumi's back
      expect((await provider.diff!("api-error-rate", created.outs, checked)).changes).toBe(true);
      const renamed = (await provider.check!({}, { rule: { ...rule, name: "api-errors" }, ...access })).inputs;
      expect((await provider.diff!("api-error-rate", created.outs, renamed)).replaces).toEqual(["rule"]);

      // State recorded before the token was an input: refresh keeps it (no env needed, no failure), the next up
      // is an in-place update that records the token.
      const { adminToken: _t, ...old } = created.outs;
      expect((await provider.read!("api-error-rate", old)).props).toEqual(old);
      expect(await provider.diff!("api-error-rate", old, checked)).toMatchObject({ changes: true, replaces: [] });
      const updated = await provider.update!("api-error-rate", old, checked);
      expect(updated.outs.adminToken).toBe(TOKEN);
      expect((await provider.read!("api-error-rate", updated.outs)).props.rule).toEqual(checked.rule);

      await provider.delete!("api-error-rate", created.outs);
      expect((await guardian.list()).rules).toEqual([]);
    } finally {
      process.env = saved;
      await srv.close();
    }
  });

  it("check names a missing adminToken", async () => {
    const r = await provider.check!({}, { rule });
    expect(r.failures).toEqual([{ property: "adminToken", reason: expect.stringMatching(/adminToken.*required/) }]);
  });
});

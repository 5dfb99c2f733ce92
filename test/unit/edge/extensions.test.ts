import * as fs from "node:fs";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import * as os from "node:os";
import * as path from "node:path";
import { loadExtensions } from "../../../apps/edge/extensions";
import { admin, edgeEnv, slots, startEdge, TOKEN } from "./helpers";

/** The flags extension mounted in real edges: admin behind the edge's token, OFREP public, kills replicated. */
describe("edge extensions (flags over OFREP)", () => {
  it("serves OFREP publicly, guards /__edge/flags with the admin token, and a kill reaches every instance before the call returns", async () => {
    const s = await slots("api");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-ext-"));
    const env = edgeEnv(s, { EDGE_STATE_FILE: path.join(dir, "state.json"), EDGE_PEERS_DIR: path.join(dir, "peers"), EDGE_SYNC_INTERVAL_MS: "60000" });
    const edges = [await startEdge(env, { extensions: loadExtensions({}) }), await startEdge(env, { extensions: loadExtensions({}) })];
    const evaluate = async (base: string) => {
      const res = await fetch(`${base}/ofrep/v1/evaluate/flags/trading-enabled`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      return { status: res.status, body: (await res.json()) as { value?: unknown } };
    };
    try {
      expect((await admin(edges[0].url, "GET", "/__edge/flags", undefined, null)).status).toBe(401);
      expect((await admin(edges[0].url, "GET", "/__edge/flags", undefined, "wrong-token-wrong-token")).status).toBe(401);
      const client = new EdgeAdminClient({ url: edges[0].url, token: TOKEN, retries: 0 }).flags;
      await client.put("trading-enabled", {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "on",
        metadata: { kind: "kill-switch", owner: "team-platform", createdAt: "2025-01-01" },
      });
      for (const e of edges) expect((await evaluate(e.url)).body.value).toBe(true);

      await client.setOverride("trading-enabled", { state: "off", reason: "incident 42" });
      // Right after the call: both instances serve the kill (fanned out with the shared state, not polled).
      for (const e of edges) expect((await evaluate(e.url)).body.value).toBe(false);
      // Proxying is untouched by the extension.
      expect((await fetch(`${edges[1].url}/orders`)).status).toBe(200);
    } finally {
      for (const e of edges) await e.stop();
      await s.api.blue.close();
      await s.api.green.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

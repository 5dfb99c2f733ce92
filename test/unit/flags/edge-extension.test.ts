import type { EdgeContext } from "../../../apps/edge/extensions";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import type { EdgeState } from "../../../apps/edge/state";
import { flagsExtension } from "../../../infra/flags";
import { sampleSet } from "./fixtures";
import { listen, post } from "./server";

/**
 * The edge's context contract (apps/edge/extensions.ts) over an in-memory document: update() applies the mutation
 * to the current document and notifies listeners, as the edge's replicator does after persisting.
 */
function memoryContext(initial: EdgeState) {
  let doc = initial;
  const listeners: Array<(n: EdgeState, p: EdgeState) => void> = [];
  const saved: EdgeState[] = [];
  const ctx: EdgeContext = {
    state: () => doc,
    update: async (mutate) => {
      const next = mutate(doc);
      if (!next) return { changed: false, state: doc };
      const prev = doc;
      doc = next;
      saved.push(next);
      listeners.forEach((l) => l(next, prev));
      return { changed: true, state: next };
    },
    onState: (l) => void listeners.push(l),
    log: () => {},
  };
  return {
    ctx,
    saved,
    replace: (d: EdgeState) => {
      const prev = doc;
      doc = d;
      listeners.forEach((l) => l(d, prev));
    },
  };
}

describe("flags edge extension", () => {
  it("loads flags from the shared state, kills through the admin path, persists in ext.flags, and a restart keeps the kill", async () => {
    const state: EdgeState = {
      version: 3,
      updatedAt: "2026-11-26T00:00:00Z",
      by: "config",
      active: { api: "blue" },
      verdicts: {},
      events: [],
      ext: { flags: { flags: sampleSet(), overrides: {} } },
    };
    const mem = memoryContext(state);
    const ext = flagsExtension();
    await ext.start!(mem.ctx);
    // Route as the edge does: /__edge/flags/* to the admin side (token checked by the edge), /ofrep/v1/* public.
    const srv = await listen((req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      void ext.handle(req, res, { admin: path.startsWith("/__edge/flags"), path });
    });
    const client = new EdgeAdminClient({ url: srv.url, token: "checked-by-edge", retries: 0 }).flags;
    expect((await post(`${srv.url}/ofrep/v1/evaluate/flags/trading-enabled`, {})).body.value).toBe(true);

    await client.setOverride("trading-enabled", { state: "off", reason: "incident" });
    expect((await post(`${srv.url}/ofrep/v1/evaluate/flags/trading-enabled`, {})).body.value).toBe(false);
    const last = mem.saved.at(-1)!;
    expect(last.version).toBe(4);
    expect((last.ext.flags as { overrides: Record<string, { state: string }> }).overrides["trading-enabled"]!.state).toBe("off");

    // A new instance starting from the persisted document serves the kill at once.
    const restarted = flagsExtension();
    await restarted.start!(memoryContext(last).ctx);
    expect(restarted.store().evaluate("trading-enabled").value).toBe(false);

    // A document from a peer replaces the store; an invalid section is ignored (last good flags kept).
    mem.replace({ ...last, version: 5, ext: { flags: { flags: sampleSet(), overrides: {} } } });
    expect(ext.store().evaluate("trading-enabled").value).toBe(true);
    mem.replace({ ...last, version: 6, ext: { flags: { flags: "garbage" } } });
    expect(ext.store().evaluate("trading-enabled").value).toBe(true);

    // An invalid change is refused with the field named and nothing is persisted.
    const before = mem.saved.length;
    const err = await client
      .put("trading-enabled", {
        state: "ENABLED",
        variants: { on: true, off: 2 },
        defaultVariant: "on",
        metadata: { kind: "kill-switch", owner: "x", createdAt: "2026-01-01" },
      })
      .catch((e: unknown) => e);
    expect((err as { issues: Array<{ path: string }> }).issues[0]!.path).toBe("flags.trading-enabled.variants");
    expect(mem.saved.length).toBe(before);
    await srv.close();
  });
});

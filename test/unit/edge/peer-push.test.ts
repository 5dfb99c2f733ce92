import { loadConfig } from "../../../apps/edge/config";
import { loadExtensions } from "../../../apps/edge/extensions";
import { hmacSigner, PEER_SIGNATURE_HEADER } from "../../../apps/edge/peer-auth";
import { applySwitch, applyVerdict, parseState, seal, type EdgeState } from "../../../apps/edge/state";
import { verifyTransition } from "../../../apps/edge/transition";
import { admin, edgeEnv, slots, startEdge, TOKEN } from "./helpers";

/** Issue 13 (medium): `POST /__edge/internal/state` takes only authentic, next-version, rule-keeping documents. */
const PEER_KEY = "canary-peer-key-0123456789abcdef-0123456789";

describe("peer state pushes", () => {
  it("need the peer key's signature (the admin token is not enough), the next version, and every rule of the state", async () => {
    const s = await slots("api");
    const env = edgeEnv(s, { EDGE_PEER_KEY: PEER_KEY });
    const edge = await startEdge(env, { extensions: loadExtensions(env) });
    const push = async (doc: unknown, headers: Record<string, string>) => {
      const res = await fetch(`${edge.url}/__edge/internal/state`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(doc),
      });
      return { status: res.status, body: (await res.json()) as { error?: string; version?: number; state?: EdgeState } };
    };
    const signed = (doc: unknown, key = PEER_KEY) => push(doc, hmacSigner(Buffer.from(key)).headers(JSON.stringify(doc)));
    const held = async () => parseState((await admin(edge.url, "GET", "/__edge/internal/state")).body, "held");
    try {
      const v0 = await held();
      // The old hole: any admin-token holder replaced the state with an arbitrary "newer" document.
      const forged = { ...applySwitch(v0, { app: "api", slot: "green", by: "evil", reason: "x", kind: "switch" }), version: 1e9, events: [] };
      const r1 = await push(forged, { authorization: `Bearer ${TOKEN}` });
      expect(r1.status).toBe(401);
      expect(r1.body.error).toMatch(/x-edge-peer-signature/);
      expect((await signed(forged, "another-key-another-key-another-key")).status).toBe(401);
      // Signed, but not the next version: not adopted (the store does not hold it either), answered 409.
      const r3 = await signed(forged);
      expect(r3.status).toBe(409);
      expect(r3.body.state!.version).toBe(v0.version);
      expect((await held()).active.api).toBe("blue");

      // A Failed verdict on green, then a document switching to green without `forced`: refused (422).
      const failed = seal(applyVerdict(v0, { app: "api", slot: "green", phase: "Failed", reason: "p99 2 s", by: "promotion@peer" }), v0, "peer");
      expect((await signed(failed)).status).toBe(200);
      const sneaky = seal(applySwitch(failed, { app: "api", slot: "green", by: "peer", reason: "x", kind: "switch" }), failed, "peer");
      const r4 = await signed(sneaky);
      expect(r4.status).toBe(422);
      expect(r4.body.error).toMatch(/active\.api: green failed its last analysis; only a forced switch may activate it/);
      // Events rewritten (history dropped) or a slot changed with no event: refused.
      expect(
        (
          await signed({
            ...seal(applySwitch(failed, { app: "api", slot: "green", by: "p", reason: "x", kind: "switch", forced: true }), failed, "peer"),
            events: [],
          })
        ).body.error,
      ).toMatch(/events were rewritten/);
      expect((await signed(seal({ ...failed, active: { api: "green" } }, failed, "peer"))).body.error).toMatch(/without a switch event/);
      // An alert rule the admin API would refuse (a rollback on a publicly fed signal) cannot come in by a push either.
      const rule = {
        name: "frontend-lcp",
        signal: "frontend.lcp",
        target: "api",
        comparator: ">",
        critical: { threshold: 4000 },
        severity: "ticket",
        runbookUrl: "https://r.example/x",
        action: { type: "rollback", app: "api" },
      };
      const r5 = await signed(seal({ ...failed, ext: { ...failed.ext, alerts: { rules: { "frontend-lcp": rule } } } }, failed, "peer"));
      expect(r5.status).toBe(422);
      expect(r5.body.error).toMatch(/ext\.alerts: rule 'frontend-lcp': action\.type: 'rollback' is refused/);
      expect((await held()).version).toBe(failed.version);

      // The legitimate next version (a forced switch, event appended) is adopted and routed at once.
      const ok = seal(applySwitch(failed, { app: "api", slot: "green", by: "admin@peer", reason: "forced", kind: "switch", forced: true }), failed, "peer");
      expect((await signed(ok)).status).toBe(200);
      expect(await held()).toMatchObject({ version: ok.version, active: { api: "green" } });
      // Replaying it is harmless: already included.
      expect((await signed(ok)).status).toBe(200);
      expect(edge.lines.join("\n")).not.toContain(PEER_KEY);
    } finally {
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });

  it("EDGE_PEER_KEY must be long and differ from the admin token", () => {
    const base = {
      EDGE_APPS: JSON.stringify({ api: { blue: "http://a:1", green: "http://b:1" } }),
      EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
      EDGE_ADMIN_TOKEN: TOKEN,
    };
    expect(() => loadConfig({ ...base, EDGE_PEER_KEY: "short" })).toThrow(/^EDGE_PEER_KEY: must be at least 32 characters/);
    expect(() => loadConfig({ ...base, EDGE_PEER_KEY: TOKEN.padEnd(40, "x"), EDGE_ADMIN_TOKEN: TOKEN.padEnd(40, "x") })).toThrow(
      /^EDGE_PEER_KEY: must differ from EDGE_ADMIN_TOKEN/,
    );
    expect(loadConfig({ ...base, EDGE_PEER_KEY: PEER_KEY }).peerKey).toBe(PEER_KEY);
  });

  it("an automatic rollback must record the Failed verdict and may not go to a failed slot", () => {
    const v0 = parseState({ api: "green" }, "x");
    const bare = seal(applySwitch(v0, { app: "api", slot: "blue", by: "edge@p", reason: "r", kind: "auto-rollback" }), v0, "p");
    expect(verifyTransition(v0, bare)).toMatch(/must record the Failed verdict on green/);
    const withVerdict = applyVerdict(v0, { app: "api", slot: "green", phase: "Failed", reason: "probes", by: "edge@p" });
    const good = seal(applySwitch(withVerdict, { app: "api", slot: "blue", by: "edge@p", reason: "r", kind: "auto-rollback" }), v0, "p");
    // applyVerdict and applySwitch each bumped the version; the sealed document is v0 + 1 with both events.
    expect(verifyTransition(v0, { ...good, events: good.events.map((e) => ({ ...e, version: good.version })) })).toBeUndefined();
  });
});

// The header name is part of the protocol between instances of different versions.
test("signature header", () => expect(PEER_SIGNATURE_HEADER).toBe("x-edge-peer-signature"));

import { flagAdminHandler, FlagStore } from "../../../infra/flags";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import { provider } from "../../../infra/providers/impl/feature-flag";
import { meta } from "./fixtures";
import { listen } from "./server";

const TOKEN = "canary-edge-token-91c2";

describe("stackguard:FeatureFlag provider against a real admin API", () => {
  let srv: Awaited<ReturnType<typeof listen>>;
  let store: FlagStore;
  const saved = { ...process.env };
  beforeEach(async () => {
    store = new FlagStore();
    const admin = flagAdminHandler(store, { token: TOKEN });
    srv = await listen((req, res) => void (admin(req, res) || res.writeHead(404).end()));
    // The token comes from the resource's inputs, the URL too: nothing from the environment.
    delete process.env.EDGE_URL;
    delete process.env.EDGE_ADMIN_TOKEN;
  });
  afterEach(async () => {
    process.env = { ...saved };
    await srv.close();
  });

  const definition = {
    state: "ENABLED",
    variants: { on: true, off: false },
    defaultVariant: "off",
    targeting: { if: [{ $ref: "staff" }, "on", "off"] },
    metadata: meta("release"),
  };
  const inputs = () => ({
    key: "new-checkout",
    definition,
    evaluators: { staff: { ends_with: [{ var: "email" }, "@alphaplatform.example"] } },
    edgeUrl: srv.url,
    adminToken: TOKEN,
  });

  it("check names the field: bad variants, bad targeting, missing metadata", async () => {
    const bad = await provider.check!({}, { ...inputs(), definition: { ...definition, variants: { on: true, off: "no" } } });
    expect(bad.failures).toEqual([{ property: "definition", reason: expect.stringMatching(/^FeatureFlag "new-checkout": definition\.variants: .*one type/) }]);
    const op = await provider.check!({}, { ...inputs(), definition: { ...definition, targeting: { nope: [1] } } });
    expect(op.failures![0]!.reason).toMatch(/definition\.targeting.*nope/);
    const md = await provider.check!({}, { ...inputs(), definition: { ...definition, metadata: { kind: "release" } } });
    expect(md.failures!.map((f) => f.reason).join("\n")).toMatch(/definition\.metadata\.owner/);
  });

  it("create stores the flag with $refs inlined; a kill switch is surfaced by check/diff and kept by update", async () => {
    const checked = (await provider.check!({}, inputs())).inputs;
    expect(checked.override).toBeNull();
    const created = await provider.create(checked);
    expect(created.id).toBe("new-checkout");
    expect(store.evaluate("new-checkout", { email: "a@alphaplatform.example" }).value).toBe(true);

    // An operator kills the flag on the edge.
    await new EdgeAdminClient({ url: srv.url, token: TOKEN }).flags.setOverride("new-checkout", { state: "off", by: "ana", reason: "checkout 5xx" });

    // Next preview: check returns the live override as an input, so the engine shows `+ override` and diff reports it.
    const next = (await provider.check!(created.outs, inputs())).inputs;
    expect(next.override).toMatchObject({ state: "off", by: "ana" });
    expect((await provider.diff!("new-checkout", created.outs, next)).changes).toBe(true);

    // `up` with an unchanged (still "on for staff") definition keeps the kill and records it.
    const updated = await provider.update!("new-checkout", created.outs, next);
    expect(updated.outs.override).toMatchObject({ state: "off" });
    expect(store.evaluate("new-checkout", { email: "a@alphaplatform.example" }).value).toBe(false);

    // Once recorded, the same kill is no longer a diff (no perpetual update).
    const again = (await provider.check!(updated.outs, inputs())).inputs;
    expect((await provider.diff!("new-checkout", updated.outs, again)).changes).toBe(false);

    // Config catches up (declared DISABLED): up clears the now-redundant override.
    const caughtUp = (await provider.check!(updated.outs, { ...inputs(), definition: { ...definition, state: "DISABLED" } })).inputs;
    const reconciled = await provider.update!("new-checkout", updated.outs, caughtUp);
    expect(reconciled.outs.override).toBeNull();
    expect(store.override("new-checkout")).toBeUndefined();
  });

  it("an unreachable edge during preview keeps the recorded override instead of guessing 'none'", async () => {
    const created = await provider.create((await provider.check!({}, inputs())).inputs);
    await new EdgeAdminClient({ url: srv.url, token: TOKEN }).flags.setOverride("new-checkout", { state: "off" });
    const recorded = (await provider.read!("new-checkout", created.outs)).props;
    expect(recorded.override.state).toBe("off");
    const checked = (await provider.check!(recorded, { ...inputs(), edgeUrl: "http://127.0.0.1:9" })).inputs;
    expect(checked.override.state).toBe("off");
  });

  it("delete removes the flag from the edge; the token is recorded only as the adminToken output (a secret in state)", async () => {
    const created = await provider.create((await provider.check!({}, inputs())).inputs);
    const { adminToken, ...rest } = created.outs;
    expect(adminToken).toBe(TOKEN);
    expect(JSON.stringify(rest)).not.toContain(TOKEN);
    await provider.delete!("new-checkout", created.outs);
    expect(store.definition("new-checkout")).toBeUndefined();
  });

  it("check names adminToken when it is missing or too short, without echoing it", async () => {
    const { adminToken: _t, ...noToken } = inputs();
    const missing = await provider.check!({}, noToken);
    expect(missing.failures).toEqual([{ property: "adminToken", reason: expect.stringMatching(/adminToken.*required/) }]);
    const short = await provider.check!({}, { ...inputs(), adminToken: "canary-short" });
    expect(short.failures![0]!.reason).toMatch(/adminToken.*at least 16/);
    expect(JSON.stringify(short.failures)).not.toContain("canary-short");
  });

  it("old state (no adminToken recorded, no EDGE_ADMIN_TOKEN): refresh keeps it, diff is an in-place update, update records the token", async () => {
    const created = await provider.create((await provider.check!({}, inputs())).inputs);
    const { adminToken: _t, ...old } = created.outs;
    const refreshed = await provider.read!("new-checkout", old);
    expect(refreshed.props).toEqual(old);
    const next = (await provider.check!(old, inputs())).inputs;
    const d = await provider.diff!("new-checkout", old, next);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const updated = await provider.update!("new-checkout", old, next);
    expect(updated.outs.adminToken).toBe(TOKEN);
    expect((await provider.diff!("new-checkout", updated.outs, (await provider.check!(updated.outs, inputs())).inputs)).changes).toBe(false);
    // Deleting an old-state flag without any token says what to do, and never guesses.
    const err = await provider.delete!("new-checkout", old).catch((e: unknown) => e);
    expect(String(err)).toMatch(/FeatureFlag "new-checkout": no edge admin token recorded in state.*pulumi up/);
    expect(store.definition("new-checkout")).toBeDefined();
  });

  it("a rotated token: writes wait for the edge to accept the new one (401 while its new deploy starts), reads never wait", async () => {
    // The edge still runs its previous deploy (old token) for the first two calls, then its new deploy is live.
    let accepted = "old-token-0123456789abcdef";
    let refused = 0;
    const edge = await listen((req, res) => {
      if (req.headers.authorization !== `Bearer ${accepted}`) {
        if (refused === 2 && accepted.startsWith("old-")) accepted = TOKEN;
        else refused++;
      }
      void (flagAdminHandler(store, { token: accepted })(req, res) || res.writeHead(404).end());
    });
    try {
      // check (a read) does not wait: the override it cannot read is the recorded one (none).
      const checked = (await provider.check!({}, { ...inputs(), edgeUrl: edge.url })).inputs;
      expect(checked.override).toBeNull();
      const created = await provider.create(checked);
      expect(refused).toBe(2); // check's GET, then create's first PUT: retried until the edge took the new token
      expect(store.definition("new-checkout")).toBeDefined();
      accepted = "another-token-0123456789abcdef";
      // A refresh with a token the edge refuses keeps the record instead of failing or inventing drift.
      expect((await provider.read!("new-checkout", created.outs)).props).toEqual(created.outs);
    } finally {
      await edge.close();
    }
  });
});

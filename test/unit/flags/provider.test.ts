import { FlagAdminClient, flagAdminHandler, FlagStore } from "../../../infra/flags";
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
    process.env.EDGE_URL = srv.url;
    process.env.EDGE_ADMIN_TOKEN = TOKEN;
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
  const inputs = { key: "new-checkout", definition, evaluators: { staff: { ends_with: [{ var: "email" }, "@alphaplatform.example"] } } };

  it("check names the field: bad variants, bad targeting, missing metadata", async () => {
    const bad = await provider.check!({}, { ...inputs, definition: { ...definition, variants: { on: true, off: "no" } } });
    expect(bad.failures).toEqual([{ property: "definition", reason: expect.stringMatching(/^FeatureFlag "new-checkout": definition\.variants: .*one type/) }]);
    const op = await provider.check!({}, { ...inputs, definition: { ...definition, targeting: { nope: [1] } } });
    expect(op.failures![0]!.reason).toMatch(/definition\.targeting.*nope/);
    const md = await provider.check!({}, { ...inputs, definition: { ...definition, metadata: { kind: "release" } } });
    expect(md.failures!.map((f) => f.reason).join("\n")).toMatch(/definition\.metadata\.owner/);
  });

  it("create stores the flag with $refs inlined; a kill switch is surfaced by check/diff and kept by update", async () => {
    const checked = (await provider.check!({}, inputs)).inputs;
    expect(checked.override).toBeNull();
    const created = await provider.create(checked);
    expect(created.id).toBe("new-checkout");
    expect(store.evaluate("new-checkout", { email: "a@alphaplatform.example" }).value).toBe(true);

    // An operator kills the flag on the edge.
    await new FlagAdminClient({ baseUrl: srv.url, token: TOKEN }).setOverride("new-checkout", { state: "off", by: "ana", reason: "checkout 5xx" });

    // Next preview: check returns the live override as an input, so the engine shows `+ override` and diff reports it.
    const next = (await provider.check!(created.outs, inputs)).inputs;
    expect(next.override).toMatchObject({ state: "off", by: "ana" });
    expect((await provider.diff!("new-checkout", created.outs, next)).changes).toBe(true);

    // `up` with an unchanged (still "on for staff") definition keeps the kill and records it.
    const updated = await provider.update!("new-checkout", created.outs, next);
    expect(updated.outs.override).toMatchObject({ state: "off" });
    expect(store.evaluate("new-checkout", { email: "a@alphaplatform.example" }).value).toBe(false);

    // Once recorded, the same kill is no longer a diff (no perpetual update).
    const again = (await provider.check!(updated.outs, inputs)).inputs;
    expect((await provider.diff!("new-checkout", updated.outs, again)).changes).toBe(false);

    // Config catches up (declared DISABLED): up clears the now-redundant override.
    const caughtUp = (await provider.check!(updated.outs, { ...inputs, definition: { ...definition, state: "DISABLED" } })).inputs;
    const reconciled = await provider.update!("new-checkout", updated.outs, caughtUp);
    expect(reconciled.outs.override).toBeNull();
    expect(store.override("new-checkout")).toBeUndefined();
  });

  it("an unreachable edge during preview keeps the recorded override instead of guessing 'none'", async () => {
    const created = await provider.create((await provider.check!({}, inputs)).inputs);
    await new FlagAdminClient({ baseUrl: srv.url, token: TOKEN }).setOverride("new-checkout", { state: "off" });
    const recorded = (await provider.read!("new-checkout", created.outs)).props;
    expect(recorded.override.state).toBe("off");
    process.env.EDGE_URL = "http://127.0.0.1:9";
    const checked = (await provider.check!(recorded, inputs)).inputs;
    expect(checked.override.state).toBe("off");
  });

  it("delete removes the flag from the edge; the token never appears in state", async () => {
    const created = await provider.create((await provider.check!({}, inputs)).inputs);
    expect(JSON.stringify(created.outs)).not.toContain(TOKEN);
    await provider.delete!("new-checkout", created.outs);
    expect(store.definition("new-checkout")).toBeUndefined();
  });
});

import { flagAdminHandler, FlagStore } from "../../../infra/flags";
import { EdgeAdminClient, EdgeAdminError } from "../../../infra/edge-contract/client";
import { meta, sampleSet } from "./fixtures";
import { listen } from "./server";

const TOKEN = "canary-admin-token-7f3a";

describe("flag admin API (handler + client over real HTTP)", () => {
  let store: FlagStore;
  let srv: Awaited<ReturnType<typeof listen>>;
  let client: EdgeAdminClient["flags"];
  beforeEach(async () => {
    store = new FlagStore({ flags: sampleSet() });
    const admin = flagAdminHandler(store, { token: TOKEN, now: () => new Date("2026-11-26T10:00:00Z") });
    srv = await listen((req, res) => {
      if (!admin(req, res)) res.writeHead(404).end();
    });
    client = new EdgeAdminClient({ url: srv.url, token: TOKEN, retries: 0, timeoutMs: 2000 }).flags;
  });
  afterEach(() => srv.close());

  it("refuses a wrong token without echoing any token", async () => {
    const bad = new EdgeAdminClient({ url: srv.url, token: "wrong-canary", retries: 0 }).flags;
    const err = await bad.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeAdminError);
    expect((err as EdgeAdminError).status).toBe(401);
    expect((err as Error).message).not.toMatch(/canary/);
  });

  it("kill switch: off at once, visible in get and in evaluation; clear restores", async () => {
    const killed = await client.setOverride("new-checkout", { state: "off", by: "ana", reason: "checkout errors" });
    expect(killed.override).toEqual({ state: "off", by: "ana", reason: "checkout errors", at: "2026-11-26T10:00:00.000Z" });
    expect(store.evaluate("new-checkout", { email: "a@alphaplatform.example", targetingKey: "u" }).value).toBe(false);
    expect((await client.get("new-checkout"))!.override!.state).toBe("off");
    const cleared = await client.clearOverride("new-checkout");
    expect(cleared.override).toBeUndefined();
  });

  it("PUT of a definition validates (field named) and never touches the override", async () => {
    await client.setOverride("trading-enabled", { state: "off" });
    const def = (await client.get("trading-enabled"))!.definition;
    const put = await client.put("trading-enabled", { ...def, metadata: { ...def.metadata, description: "global trading switch" } });
    expect(put.override?.state).toBe("off");
    const err = await client.put("trading-enabled", { ...def, variants: { on: true, off: "nope" } } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeAdminError);
    expect((err as EdgeAdminError).status).toBe(400);
    expect((err as EdgeAdminError).issues[0]!.path).toBe("flags.trading-enabled.variants");
  });

  it("creates, lists and deletes flags; unknown flags are 404 (get → undefined, delete idempotent)", async () => {
    await client.put("fresh", { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off", metadata: meta("release") });
    const list = await client.list();
    expect(Object.keys(list.flags.flags)).toContain("fresh");
    expect(list.revision).toBe(store.revision);
    await client.remove("fresh");
    await client.remove("fresh");
    expect(await client.get("fresh")).toBeUndefined();
    const err = await client.setOverride("fresh", { state: "off" }).catch((e: unknown) => e);
    expect((err as EdgeAdminError).status).toBe(404);
  });

  it("rejects a malformed override request naming the field", async () => {
    const res = await fetch(`${srv.url}/__edge/flags/new-checkout/override`, {
      method: "PUT",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ state: "kill" }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issues: Array<{ path: string }> }).issues[0]!.path).toBe("state");
  });

  it("reports an unreachable edge as status 0 after bounded retries, within the timeout", async () => {
    await srv.close();
    const c = new EdgeAdminClient({ url: srv.url, token: TOKEN, retries: 1, timeoutMs: 500 }).flags;
    const t0 = Date.now();
    const err = await c.list().catch((e: unknown) => e);
    expect((err as EdgeAdminError).status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    srv = await listen((_q, r) => r.end()); // for afterEach
  });
});

describe("npm run flag (CLI)", () => {
  it("turns a flag off on the stack's edge, resolving URL and token per stack, and reports failures plainly", async () => {
    const { main } = await import("../../../tools/scripts/flag");
    const store = new FlagStore({ flags: sampleSet() });
    const admin = flagAdminHandler(store, { token: TOKEN });
    const srv = await listen((req, res) => void (admin(req, res) || res.writeHead(404).end()));
    const lines: string[] = [];
    const env = { USER: "ana" };
    // --stack resolves through the stack: its outputs give the edge URL and the admin token (as npm run rollback).
    const read = async (stack: string) => {
      if (stack !== "production") throw new Error(`cannot read the outputs of stack '${stack}'`);
      return { edgeUrl: srv.url, edgeAdminToken: TOKEN };
    };
    const flag = (...argv: string[]) => main(argv, env, (s) => lines.push(s), read);
    expect(await flag("off", "new-checkout", "--stack", "production", "--reason", "5xx spike")).toBe(0);
    expect(store.override("new-checkout")).toMatchObject({ state: "off", by: "cli:ana", reason: "5xx spike" });
    expect(await flag("clear", "new-checkout", "--stack", "production")).toBe(0);
    expect(store.override("new-checkout")).toBeUndefined();
    expect(await flag("off", "ghost", "--stack", "production")).toBe(1);
    expect(lines.at(-1)).toMatch(/404/);
    expect(await flag("list", "--stack", "staging")).toBe(1);
    expect(lines.at(-1)).toMatch(/cannot read the outputs of stack 'staging'/);
    // An explicit edge: the token from EDGE_ADMIN_TOKEN.
    expect(await main(["get", "new-checkout", "--edge-url", srv.url], { EDGE_ADMIN_TOKEN: TOKEN }, (s) => lines.push(s))).toBe(0);
    expect(lines.join("\n")).not.toContain(TOKEN);
    // Usage errors exit 2 with the usage (infra/cli/define-cli.ts).
    expect(await flag("explode")).toBe(2);
    expect(lines.at(-1)).toMatch(/the command must be one of off, on, clear, get, list, not 'explode'\nusage: npm run flag/);
    expect(await flag("off", "new-checkout")).toBe(2);
    expect(lines.at(-1)).toMatch(/--stack <stack> is required \(or --edge-url <url>\)/);
    expect(await flag("off", "new-checkout", "--stack", "prod uction")).toBe(2);
    expect(await flag("off", "new-checkout", "--stack", "production", "--edge-url", srv.url)).toBe(2);
    await srv.close();
  });
});

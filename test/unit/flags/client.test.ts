import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlagClient, FlagStore, ofrepHandler } from "../../../infra/flags";
import { sampleSet } from "./fixtures";
import { listen } from "./server";

const defaults = { "trading-enabled": false, "new-checkout": false, "quote-banner": "Trade", "order-book-depth": 10, "ui-theme": { bg: "#fff" } };
const at = "2026-11-26T12:00:00.000Z";

/** An edge stand-in: the real OFREP handler on a real server, counting requests and statuses. */
async function edge(store: FlagStore) {
  const ofrep = ofrepHandler(store);
  const statuses: number[] = [];
  const srv = await listen((req, res) => {
    res.on("finish", () => statuses.push(res.statusCode));
    ofrep(req, res);
  });
  return { ...srv, statuses };
}

describe("FlagClient (app side) against a real edge", () => {
  const clients: FlagClient[] = [];
  const make = (opts: Partial<ConstructorParameters<typeof FlagClient>[0]> & { baseUrl: string }) => {
    const c = new FlagClient({ defaults, pollIntervalMs: 50, timeoutMs: 300, context: { targetingKey: "svc-1" }, ...opts });
    clients.push(c);
    return c;
  };
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.stop());
    await Promise.all(servers.splice(0).map((s) => s.close().catch(() => undefined)));
  });

  it("serves safe defaults before the first successful poll", () => {
    const c = make({ baseUrl: "http://127.0.0.1:9" });
    expect(c.details("trading-enabled", "boolean")).toEqual({ value: false, source: "default", fallbackReason: "not-loaded" });
    expect(() => c.getBoolean("undeclared")).toThrow(/no safe default/);
  });

  it("loads values, polls with If-None-Match (304s), and sees a kill switch on the next poll", async () => {
    const store = new FlagStore({ flags: sampleSet() });
    const e = await edge(store);
    const changes: string[][] = [];
    const c = make({ baseUrl: e.url, onChange: (k) => changes.push(k) });
    await c.start();
    expect(c.details("trading-enabled", "boolean")).toMatchObject({ value: true, source: "edge", reason: "STATIC" });
    expect(c.getNumber("order-book-depth")).toBe(10);
    expect(c.getString("quote-banner")).toBe("Trade"); // disabled → code default
    await c.refresh();
    expect(e.statuses.slice(0, 2)).toEqual([200, 304]);

    store.setOverride("trading-enabled", { state: "off", at });
    await c.refresh();
    expect(c.getBoolean("trading-enabled")).toBe(false);
    expect(changes.at(-1)).toEqual(["trading-enabled"]);
    await e.close();
  });

  it("keeps the last-known-good values when the edge goes down, then recovers", async () => {
    const store = new FlagStore({ flags: sampleSet() });
    const e = await edge(store);
    const c = make({ baseUrl: e.url });
    await c.start();
    store.setOverride("new-checkout", { state: "on", at });
    await e.close();
    await c.refresh();
    expect(c.details("trading-enabled", "boolean")).toMatchObject({ value: true, source: "cache" });
    expect(c.status()).toMatchObject({ consecutiveFailures: 1, lastError: "edge unreachable" });

    // Same port again, new state: the client recovers on its own polling loop.
    store.setOverride("trading-enabled", { state: "off", at });
    const ofrep = ofrepHandler(store);
    const again = http.createServer((q, r) => void ofrep(q, r));
    await new Promise<void>((r) => again.listen(e.port, "127.0.0.1", r));
    await waitFor(() => c.getBoolean("trading-enabled") === false, 3000);
    expect(c.status().consecutiveFailures).toBe(0);
    again.closeAllConnections();
    await new Promise((r) => again.close(r));
  });

  it("times out a hanging edge and falls back to defaults once values are older than maxStaleMs", async () => {
    let clock = 1_000_000;
    const store = new FlagStore({ flags: sampleSet() });
    let hang = false;
    const ofrep = ofrepHandler(store);
    const srv = await listen((req, res) => {
      if (hang) return; // never answers
      ofrep(req, res);
    });
    servers.push(srv);
    const c = make({ baseUrl: srv.url, timeoutMs: 200, maxStaleMs: 10_000, now: () => clock });
    await c.refresh();
    expect(c.getBoolean("trading-enabled")).toBe(true);
    hang = true;
    const t0 = Date.now();
    await c.refresh();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(c.status().lastError).toBe("edge timed out");
    clock += 5_000;
    expect(c.details("trading-enabled", "boolean").source).toBe("cache");
    clock += 6_000;
    expect(c.details("trading-enabled", "boolean")).toMatchObject({ value: false, source: "default", fallbackReason: "stale" });
  });

  it("returns the default on a type mismatch rather than a wrongly typed value", async () => {
    const e = await edge(new FlagStore({ flags: sampleSet() }));
    const c = make({ baseUrl: e.url });
    await c.refresh();
    expect(c.details("order-book-depth", "string")).toMatchObject({ source: "default", fallbackReason: "type-mismatch" });
    await e.close();
  });

  it("a cache file carries last-known-good values across an app restart while the edge is down", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-flags-"));
    const file = join(dir, "flags.json");
    const store = new FlagStore({ flags: sampleSet() });
    store.setOverride("trading-enabled", { state: "off", at });
    const e = await edge(store);
    const first = make({ baseUrl: e.url, cacheFile: file });
    await first.refresh();
    await e.close();
    const restarted = make({ baseUrl: e.url, cacheFile: file });
    await restarted.refresh();
    expect(restarted.details("trading-enabled", "boolean")).toMatchObject({ value: false, source: "cache" });
    rmSync(dir, { recursive: true, force: true });
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

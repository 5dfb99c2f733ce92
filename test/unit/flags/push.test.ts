import * as fs from "node:fs";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import { OpenFeature, ProviderEvents, ProviderStatus } from "@openfeature/server-sdk";
import type { Edge } from "../../../apps/edge/edge";
import { EdgeFlagProvider, FlagClient, FlagEventHub, flagsExtension, OFREP_EVENTS_PATH } from "../../../infra/flags";
import { edgeEnv, slots, startEdge, TOKEN, until } from "../edge/helpers";
import type { SlotServer } from "../../support/slot-server";
import { meta } from "./fixtures";

/**
 * Pushed flag changes (issue 16, items 3 and 4): real edges (two instances replicating through a state file and a
 * peers directory), real HTTP streams, real clients. Polls are set to ten minutes wherever a change must arrive
 * by push, so a change that arrives at all arrived without a poll.
 */
const KEY = "trading-enabled";
const TEN_MINUTES = 600_000;
const killSwitch = { state: "ENABLED" as const, variants: { on: true, off: false }, defaultVariant: "on", metadata: meta("kill-switch") };

type FlagsExt = ReturnType<typeof flagsExtension>;

describe("pushed flag changes (OFREP event stream)", () => {
  let dir: string;
  let s: Record<string, { blue: SlotServer; green: SlotServer }>;
  const edges: Edge[] = [];
  const exts: FlagsExt[] = [];
  const clients: FlagClient[] = [];

  async function edge(events: NonNullable<Parameters<typeof flagsExtension>[0]>["events"] = { heartbeatMs: 250 }): Promise<{ edge: Edge; ext: FlagsExt }> {
    const ext = flagsExtension({ events });
    const e = await startEdge(edgeEnv(s, { EDGE_STATE_FILE: path.join(dir, "state.json"), EDGE_PEERS_DIR: path.join(dir, "peers") }), { extensions: [ext] });
    edges.push(e);
    exts.push(ext);
    return { edge: e, ext };
  }
  const client = (baseUrl: string, extra: Partial<ConstructorParameters<typeof FlagClient>[0]> = {}) => {
    const c = new FlagClient({
      baseUrl,
      context: { targetingKey: "app-1" },
      defaults: { [KEY]: true },
      pollIntervalMs: TEN_MINUTES,
      timeoutMs: 5_000,
      ...extra,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    s = await slots("api");
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "flags-push-"));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.stop();
    for (const e of edges.splice(0)) await e.stop();
    exts.splice(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    for (const a of Object.values(s)) for (const x of Object.values(a)) await x.close();
  });

  it("a kill applied on one instance reaches a client subscribed to the other instance, without any poll", async () => {
    const a = await edge();
    const b = await edge();
    const admin = new EdgeAdminClient({ url: a.edge.url, token: TOKEN }).flags;
    await admin.put(KEY, killSwitch);

    // The bulk answer advertises the stream (OFREP 0.3.0 eventStreams), relative to the edge's own origin.
    const bulk = await fetch(`${b.edge.url}/ofrep/v1/evaluate/flags`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(((await bulk.json()) as { eventStreams: unknown }).eventStreams).toEqual([{ type: "sse", endpoint: { requestUri: OFREP_EVENTS_PATH } }]);

    const c = client(b.edge.url);
    await c.start();
    await until(() => c.status().streaming, 30_000);
    expect(c.getBoolean(KEY)).toBe(true);

    await admin.setOverride(KEY, { state: "off", by: "test", reason: "push test" });
    await until(() => c.getBoolean(KEY) === false, 30_000);
    await admin.clearOverride(KEY);
    await until(() => c.getBoolean(KEY) === true, 30_000);

    const st = c.status();
    expect(st.polls).toBe(0);
    expect(st.events).toBeGreaterThanOrEqual(2);
    expect(st.streaming).toBe(true);
    expect(b.ext.events()!.stats().streams).toBe(1);
  });

  it("events carry no flag data: only a refetch notice with an opaque etag", async () => {
    const a = await edge();
    const admin = new EdgeAdminClient({ url: a.edge.url, token: TOKEN }).flags;
    await admin.put(KEY, { ...killSwitch, metadata: { ...meta("kill-switch"), owner: "canary-owner-secret" } });
    const ctrl = new AbortController();
    const res = await fetch(`${a.edge.url}${OFREP_EVENTS_PATH}`, { signal: ctrl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = "";
    const read = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString("utf8");
      }
    })().catch(() => undefined);
    await until(() => text.includes("stream open"), 30_000);
    await admin.setOverride(KEY, { state: "off", by: "test", reason: "canary-reason-secret" });
    await until(() => text.includes("refetchEvaluation"), 30_000);
    ctrl.abort();
    await read;
    const data = text
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
    expect(data.length).toBeGreaterThanOrEqual(1);
    for (const d of data) expect(Object.keys(d).sort()).toEqual(["etag", "lastModified", "type"]);
    expect(text).not.toMatch(/canary|trading-enabled|TOKEN/);
  });

  it("falls back to polling when the stream is cut, and still sees the change", async () => {
    const a = await edge();
    const admin = new EdgeAdminClient({ url: a.edge.url, token: TOKEN }).flags;
    await admin.put(KEY, killSwitch);
    const c = client(a.edge.url, { pollIntervalMs: 200, maxBackoffMs: 1_000 });
    await c.start();
    await until(() => c.status().streaming, 30_000);
    const pollsBefore = c.status().polls;

    // The edge ends every stream and refuses new ones (503): the client must poll.
    a.ext.events()!.close();
    await until(() => !c.status().streaming, 30_000);
    await admin.setOverride(KEY, { state: "off", by: "test", reason: "fallback test" });
    await until(() => c.getBoolean(KEY) === false, 30_000);
    await until(() => c.status().polls > pollsBefore + 1, 30_000);
    expect(c.status().streaming).toBe(false);
    // Its reconnects (with backoff) are refused while the edge refuses streams.
    await until(() => c.status().streamError === "stream answered 503", 30_000);
  });

  it("bounds streams: a limit (503 beyond it), and the slots of clients that vanished are freed", async () => {
    const a = await edge({ heartbeatMs: 200, maxStreams: 3 });
    const u = new URL(a.edge.url);
    const open = () =>
      new Promise<{ sock: net.Socket; head: string }>((resolve, reject) => {
        const sock = net.connect(Number(u.port), u.hostname);
        let head = "";
        sock.on("error", reject);
        sock.on("data", (d) => {
          head += d.toString("latin1");
          if (head.includes("\r\n\r\n")) resolve({ sock, head });
        });
        sock.write(`GET ${OFREP_EVENTS_PATH} HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
    const streams = [await open(), await open(), await open()];
    for (const st of streams) expect(st.head).toMatch(/^HTTP\/1.1 200/);
    const fourth = await open();
    expect(fourth.head).toMatch(/^HTTP\/1.1 503/);
    fourth.sock.destroy();
    expect(a.ext.events()!.stats().refusedAtLimit).toBe(1);

    // Clients that vanish without a goodbye (reset) give their slot back.
    for (const st of streams) st.sock.resetAndDestroy();
    await until(() => a.ext.events()!.stats().streams === 0, 30_000);
    const again = await open();
    expect(again.head).toMatch(/^HTTP\/1.1 200/);
    again.sock.destroy();
  });

  it("a client that stops reading holds at most one event in the edge's memory, then is dropped", async () => {
    const hub = new FlagEventHub({ heartbeatMs: 50, maxBufferedBytes: 4096 });
    // A real writable that never completes a write: a socket whose peer stopped reading and whose kernel buffers are full.
    const stalled = new Writable({ highWaterMark: 256, write: () => undefined });
    hub.attach(stalled, "retry: 1000\n\n");
    for (let i = 1; i <= 5000; i++) {
      hub.publish({ version: i, revision: `rev${i}`, at: new Date() });
      expect(stalled.writableLength).toBeLessThanOrEqual(4096);
    }
    expect(hub.stats().bufferedBytes).toBeLessThanOrEqual(4096);
    await until(() => hub.stats().droppedSlow === 1 && hub.stats().streams === 0, 30_000);
    expect(stalled.destroyed).toBe(true);
    hub.close();
  });

  describe("OpenFeature provider", () => {
    afterEach(async () => {
      await OpenFeature.close();
    });

    it("is READY, emits CONFIGURATION_CHANGED on a pushed kill and serves the new value", async () => {
      const a = await edge();
      const admin = new EdgeAdminClient({ url: a.edge.url, token: TOKEN }).flags;
      await admin.put(KEY, killSwitch);
      const provider = new EdgeFlagProvider({ baseUrl: a.edge.url, context: { targetingKey: "app-1" }, pollIntervalMs: TEN_MINUTES, timeoutMs: 5_000 });
      await OpenFeature.setProviderAndWait("push-test", provider);
      const flags = OpenFeature.getClient("push-test");
      expect(flags.providerStatus).toBe(ProviderStatus.READY);
      const changed: string[][] = [];
      flags.addHandler(ProviderEvents.ConfigurationChanged, (d) => void changed.push(d?.flagsChanged ?? []));
      expect(await flags.getBooleanValue(KEY, false)).toBe(true);
      await until(() => provider.clientStatus().streaming, 30_000);

      await admin.setOverride(KEY, { state: "off", by: "test", reason: "provider test" });
      await until(() => changed.some((k) => k.includes(KEY)), 30_000);
      const d = await flags.getBooleanDetails(KEY, true);
      expect(d).toMatchObject({ value: false, variant: "off" });
      expect(d.errorCode).toBeUndefined();
      expect(provider.clientStatus().polls).toBe(0);

      // Code defaults: a flag the edge does not serve, and a type mismatch.
      expect(await flags.getStringDetails("no-such-flag", "code-default")).toMatchObject({ value: "code-default", errorCode: "FLAG_NOT_FOUND" });
      expect(await flags.getNumberDetails(KEY, 7)).toMatchObject({ value: 7, errorCode: "TYPE_MISMATCH" });
    });

    it("with the edge unreachable: ERROR and code defaults, then READY and edge values once it answers, STALE (last-known-good) when it goes away", async () => {
      // A port nothing listens on yet; the edge comes up on it later.
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const provider = new EdgeFlagProvider({ baseUrl: `http://127.0.0.1:${port}`, pollIntervalMs: 100, maxBackoffMs: 500, timeoutMs: 2_000 });
      const ready: unknown[] = [];
      await OpenFeature.setProviderAndWait("down-test", provider).catch(() => undefined);
      const flags = OpenFeature.getClient("down-test");
      flags.addHandler(ProviderEvents.Ready, (d) => void ready.push(d));
      expect(flags.providerStatus).toBe(ProviderStatus.ERROR);
      expect(await flags.getBooleanValue(KEY, true)).toBe(true);

      const ext = flagsExtension({ events: { heartbeatMs: 250 } });
      const e = await startEdge(edgeEnv(s, { PORT: String(port), EDGE_STATE_FILE: path.join(dir, "state.json"), EDGE_PEERS_DIR: path.join(dir, "peers") }), {
        extensions: [ext],
      });
      edges.push(e);
      await new EdgeAdminClient({ url: e.url, token: TOKEN }).flags.put(KEY, { ...killSwitch, defaultVariant: "off" });
      await until(() => flags.providerStatus === ProviderStatus.READY, 30_000);
      await until(async () => (await flags.getBooleanValue(KEY, true)) === false, 30_000);
      expect(ready.length).toBeGreaterThanOrEqual(1);

      const stale: unknown[] = [];
      flags.addHandler(ProviderEvents.Stale, (d) => void stale.push(d));
      await e.stop();
      await until(() => stale.length > 0 && flags.providerStatus === ProviderStatus.STALE, 30_000);
      expect(await flags.getBooleanDetails(KEY, true)).toMatchObject({ value: false, reason: "STALE" });
    });
  });
});

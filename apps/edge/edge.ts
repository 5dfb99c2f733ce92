import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { handleAdmin } from "./admin";
import { SLOTS, type EdgeConfig, type Slot } from "./config";
import { RESERVED_ADMIN_NAMES, type EdgeContext, type EdgeExtension } from "./extensions";
import { HealthMonitor, type RollbackSource } from "./health-monitor";
import { HttpError, sendJson, statusOf } from "./http-util";
import { InFlight } from "./inflight";
import { EdgeMetrics, esc } from "./metrics";
import { createPeerDiscovery, type FanoutResult, type PeerDiscovery, type PushSigner } from "./peers";
import { hmacSigner, peerKeyFrom, PEER_SIGNATURE_HEADER, verifyPush } from "./peer-auth";
import { verifyTransition } from "./transition";
import { EdgeAdminClient } from "../../infra/edge-contract/client";
import { parseJsonBody, readBody } from "../../infra/edge-contract/http";
import { lingerOnClose } from "../../infra/http/lingering-close";
import { createDataPlane, type DataPlane } from "./data-plane";
import { Replicator, TransitionRefused } from "./replicator";
import { applySwitch, applyVerdict, includes, isNewer, parseState, type EdgeState, type Verdict } from "./state";
import { createStore, type StateStore } from "./stores";
import { connectKeyValue, KeyValueStore, type ChangeNotice } from "./stores/key-value";
import { KeyValueBus } from "./key-value-bus";

/** The answer to a switch call. */
export interface SwitchResult {
  app: string;
  from: Slot;
  to: Slot;
  /** False when the app was already on `to` (switching is idempotent). */
  changed: boolean;
  forced: boolean;
  version: number;
  /** Whether requests in flight to the old slot on this instance finished within the drain timeout. */
  drained: boolean;
  /** Every known peer confirmed the new state before this answer. */
  synced: boolean;
  peers?: FanoutResult;
}

/** Options beyond the environment's configuration. */
export interface EdgeOptions {
  extensions?: EdgeExtension[];
  log?: (msg: string) => void;
  /** Overrides the store built from the configuration (tests). */
  store?: StateStore;
}

/** One edge instance: proxy, admin API, shared state, health monitor. */
export class Edge {
  readonly metrics: EdgeMetrics;
  readonly inflight = new InFlight();
  readonly log: (msg: string) => void;
  private readonly replicator: Replicator;
  private readonly monitor: HealthMonitor;
  /** What carries the proxied traffic: the Node proxy here, or HAProxy driven from here (EDGE_DATA_PLANE). */
  private readonly dataPlane: DataPlane;
  private readonly peers: PeerDiscovery;
  private readonly server: http.Server;
  private readonly extensions: EdgeExtension[];
  private readonly stateListeners: ((next: EdgeState, prev: EdgeState) => void)[] = [];
  private readonly switchCounts = new Map<string, number>();
  private active: Record<string, Slot> = {};
  /** Automatic rollbacks being written: app → the move, already applied to this instance's routing (see autoRollback). */
  private readonly rollingBack = new Map<string, { from: Slot; to: Slot }>();
  private readonly peerKey: Buffer;
  private readonly peerKeySource: "configured" | "derived";
  private readonly signer: PushSigner;
  /** With the Key Value store: its connection (opened at start) and the bus the instances hear writes on. */
  private readonly keyValue?: { command: import("ioredis").default; bus: KeyValueBus };
  private listening = false;
  private stopping?: Promise<void>;

  constructor(
    readonly config: EdgeConfig,
    opts: EdgeOptions = {},
  ) {
    this.log = opts.log ?? ((m) => process.stderr.write(`[edge ${config.instanceId}] ${m}\n`));
    this.extensions = opts.extensions ?? [];
    for (const e of this.extensions) if (RESERVED_ADMIN_NAMES.has(e.name)) throw new Error(`edge extension name '${e.name}' is reserved; rename it`);
    this.metrics = new EdgeMetrics(config.instanceId);
    const pk = peerKeyFrom(config.peerKey, config.adminToken);
    this.peerKey = pk.key;
    this.peerKeySource = pk.source;
    this.signer = hmacSigner(pk.key);
    this.peers = createPeerDiscovery(config.peers, config.instanceId);
    let store = opts.store;
    if (!store && config.store.kind === "key-value") {
      const command = connectKeyValue(config.store.url, `edge-${config.instanceId}`);
      const subscriber = connectKeyValue(config.store.url, `edge-${config.instanceId}-sub`);
      command.on("error", () => undefined); // surfaced by the failing commands (503) and the bus's heartbeat log
      store = new KeyValueStore(command, config.instanceId);
      this.keyValue = { command, bus: new KeyValueBus({ command, subscriber, instanceId: config.instanceId, log: this.log }) };
    }
    this.replicator = new Replicator({
      store: store ?? createStore(config.store as Exclude<EdgeConfig["store"], { kind: "key-value" }>),
      ...(this.keyValue ? { barrier: this.keyValue.bus } : {}),
      peers: this.peers,
      instanceId: config.instanceId,
      signer: this.signer,
      verifyTransition: (prev, next) =>
        verifyTransition(prev, next, (name, section) => {
          const ext = this.extensions.find((e) => e.name === name);
          return ext ? ext.verify?.(section) : "no extension of that name on this edge";
        }),
      apps: Object.keys(config.apps),
      initial: config.initialActive,
      onApply: (next, prev) => this.applied(next, prev),
      fanoutTimeoutMs: config.drainTimeoutMs + 2_000,
      log: this.log,
    });
    this.monitor = new HealthMonitor({
      apps: config.apps,
      ...config.probe,
      state: () => this.state,
      rollback: (app, from, to, reason, source) => this.autoRollback(app, from, to, reason, source),
      log: this.log,
    });
    const monitor = this.monitor;
    this.dataPlane = createDataPlane(config, {
      activeSlot: (app) => this.active[app],
      metrics: this.metrics,
      inflight: this.inflight,
      onFailing: (app, slot, reason) => monitor.reportFailing(app, slot, reason),
      // The instance cannot carry traffic without it: drain and exit (index.ts's SIGTERM path); Render replaces it.
      onExit: (reason) => {
        this.log(`${reason}: the data plane is gone; stopping this instance`);
        process.emit("SIGTERM");
      },
      log: this.log,
    });
    this.server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, (req, res) => this.route(req, res));
    // CONNECT (and upgrades, which the edge does not proxy) bypass the request handler: with no listener Node
    // drops the connection without a word. Answer them properly instead.
    const refuse = (status: string) => (_req: http.IncomingMessage, socket: import("node:stream").Duplex) => {
      socket.on("error", () => undefined);
      socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    };
    this.server.on("connect", refuse("405 Method Not Allowed"));
    this.server.on("upgrade", refuse("501 Not Implemented"));
    lingerOnClose(this.server);
  }

  /** The shared state as this instance holds it. */
  get state(): EdgeState {
    return this.replicator.state;
  }

  /** Base URL this instance listens on (after `start`). */
  get url(): string {
    return this.baseUrl;
  }
  private baseUrl = "";

  /**
   * Every request enters here. No request, however malformed, may take the process down: whatever a handler
   * throws, synchronously or from a promise, is answered here (4xx for the client's fault, 500 for ours) and logged
   * without the query string or headers (they may carry secrets).
   */
  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    // A client that resets mid-request makes `req` emit 'error'; with no listener that would be an uncaught
    // exception. The handlers that read bodies listen themselves; this one only keeps the process alive.
    req.on("error", ignore);
    res.on("error", ignore);
    try {
      const pending = this.dispatch(req, res);
      if (pending) pending.catch((e: unknown) => this.requestFailed(req, res, e));
    } catch (e) {
      this.requestFailed(req, res, e);
    }
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void {
    const url = req.url ?? "/";
    if (url.startsWith("/__edge/") || url === "/__edge") {
      const q = url.indexOf("?");
      return handleAdmin(this, req, res, q === -1 ? url : url.slice(0, q));
    }
    for (const ext of this.extensions) {
      for (const p of ext.publicPrefixes) {
        if (url.startsWith(p)) return Promise.resolve(ext.handle(req, res, { admin: false, path: url.split("?")[0] }));
      }
    }
    this.dataPlane.handle(req, res);
  }

  private requestFailed(req: http.IncomingMessage, res: http.ServerResponse, e: unknown): void {
    const status = statusOf(e);
    if (status >= 500) this.log(`${req.method} ${safePath(req.url)} failed: ${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message ?? String(e)}`);
    try {
      req.resume();
      if (res.headersSent || res.destroyed) return void res.destroy();
      sendJson(res, status, {
        error: status >= 500 ? "internal error" : status === 400 && e instanceof URIError ? "malformed percent-encoding in the path" : (e as Error).message,
      });
    } catch {
      res.destroy();
    }
  }

  /** The extension owning an admin path `/__edge/<name>/…`. */
  extensionFor(path: string): EdgeExtension | undefined {
    const name = path.split("/")[2];
    return this.extensions.find((e) => e.name === name);
  }

  /** This instance's routing map for `doc`: its active slots, with a rollback being written already applied. */
  private routing(doc: EdgeState): Record<string, Slot> {
    const active: Record<string, Slot> = {};
    for (const app of Object.keys(this.config.apps)) {
      const slot = doc.active[app] ?? this.active[app] ?? "blue";
      const rb = this.rollingBack.get(app);
      active[app] = rb && rb.from === slot ? rb.to : slot;
    }
    return active;
  }

  private applied(next: EdgeState, prev: EdgeState): void {
    // One assignment: a request reads either the old map or the new one, never a mix.
    this.active = this.routing(next);
    void this.dataPlane.setActive(this.active);
    if (next !== prev) {
      for (const e of next.events) {
        if (e.version > prev.version && (e.kind === "switch" || e.kind === "auto-rollback")) {
          const k = `${e.app}\u0000${e.kind}`;
          this.switchCounts.set(k, (this.switchCounts.get(k) ?? 0) + 1);
        }
      }
    }
    for (const l of this.stateListeners) l(next, prev);
  }

  /** Loads the shared state, listens, announces itself to peers and starts probing. */
  async start(): Promise<void> {
    if (this.keyValue) await this.keyValue.command.connect();
    await this.replicator.init();
    await this.catchUpFromPeers();
    if (this.keyValue) {
      // Subscribed (and listed as an instance writers wait for) before it serves: no write can pass it unseen.
      await this.keyValue.bus.start(
        (n) => this.onChangeNotice(n),
        () =>
          void this.replicator.sync().catch((e) => this.log(`catching up after a Key Value reconnect failed: ${(e as Error).message}; the store poll retries`)),
      );
    }
    const ctx: EdgeContext = {
      state: () => this.state,
      update: (m) => this.replicator.update(m),
      onState: (l) => this.stateListeners.push(l),
      log: this.log,
    };
    for (const e of this.extensions) await e.start?.(ctx);
    // With HAProxy as the data plane, it takes the public port and this server (the control plane) a loopback one.
    const own = this.dataPlane.servesPublicPort;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(own ? this.config.port : 0, own ? this.config.host : "127.0.0.1", () => resolve());
    });
    this.listening = true;
    const controlPort = (this.server.address() as AddressInfo).port;
    const publicUrl = await this.dataPlane.start({ controlPort, active: this.active, controlPrefixes: this.extensions.flatMap((e) => [...e.publicPrefixes]) });
    this.baseUrl = publicUrl ?? `http://127.0.0.1:${controlPort}`;
    await this.peers.register(this.config.selfUrl || this.url);
    this.replicator.startSync(this.config.syncIntervalMs);
    this.monitor.start();
    if (this.peerKeySource === "derived" && this.config.peers.kind !== "none") {
      this.log(
        "EDGE_PEER_KEY is not set: peer pushes are signed with a key derived from the admin token, so any admin-token holder could sign one; set EDGE_PEER_KEY",
      );
    }
    this.log(
      `listening on ${this.url}; state v${this.state.version} ${JSON.stringify(this.state.active)}; store ${this.config.store.kind}, peers ${this.config.peers.kind}`,
    );
  }

  /** A starting instance asks its peers too: one of them may hold a switch the store has not been read for yet. */
  private async catchUpFromPeers(): Promise<void> {
    const urls = await this.peers.list().catch(() => []);
    await Promise.all(
      urls.map(async (u) => {
        try {
          const peer = new EdgeAdminClient({ url: u, token: this.config.adminToken, timeoutMs: 1_500, retries: 0 });
          const doc = parseState(await peer.getDocument(), `peer ${u}`);
          // Adopted only as the next version of ours; anything else makes the replicator re-read the store.
          if (isNewer(doc, this.state)) await this.replicator.receive(doc);
        } catch {
          // A peer that is going away: the store poll covers it.
        }
      }),
    );
  }

  /**
   * Switches an app to a slot on every instance: refused (409) unless `force` when the slot is unhealthy now or
   * failed its last analysis; durable before it takes effect; returns after every peer confirmed and this
   * instance's requests to the old slot drained (bounded by the drain timeout).
   */
  async switchTo(s: {
    app: string;
    slot: Slot;
    force: boolean;
    reason: string;
    by: string;
    kind: "switch" | "auto-rollback";
    onlyFrom?: Slot;
  }): Promise<SwitchResult> {
    const from = this.state.active[s.app];
    if (from !== s.slot && !s.force) await this.assertSwitchable(s.app, s.slot);
    const r = await this.replicator.update((doc) => {
      if (doc.active[s.app] === s.slot) return undefined;
      if (s.onlyFrom && doc.active[s.app] !== s.onlyFrom) return undefined;
      return applySwitch(doc, { app: s.app, slot: s.slot, by: `${s.by}@${this.config.instanceId}`, reason: s.reason, kind: s.kind, forced: s.force });
    });
    const prevSlot = r.changed ? from : s.slot;
    const drained = r.changed ? await this.dataPlane.drained(s.app, prevSlot, this.config.drainTimeoutMs) : true;
    if (r.changed) this.log(`${s.kind} ${s.app}: ${from} → ${s.slot} (v${r.state.version}${s.force ? ", forced" : ""}): ${s.reason}`);
    return {
      app: s.app,
      from: prevSlot,
      to: r.state.active[s.app],
      changed: r.changed,
      forced: s.force,
      version: r.state.version,
      drained,
      synced: !r.peers || r.peers.failed.length === 0,
      ...(r.peers ? { peers: r.peers } : {}),
    };
  }

  private async assertSwitchable(app: string, slot: Slot): Promise<void> {
    const verdict = this.state.verdicts[app]?.[slot];
    if (verdict?.phase === "Failed") {
      throw new HttpError(
        409,
        `slot ${slot} of ${app} failed its last analysis (${verdict.reason}); traffic stays on ${this.state.active[app]}. Pass force: true to switch anyway`,
        { verdict },
      );
    }
    const m = await this.monitor.probeNow(app, slot);
    const status = m.value?.status ?? 0;
    if (status < 200 || status > 299) {
      const why = status === 0 ? `no answer (${m.value?.transportError})` : `HTTP ${status}`;
      throw new HttpError(
        409,
        `slot ${slot} of ${app} is not healthy: GET ${this.config.apps[app].healthPath} gave ${why}; traffic stays on ${this.state.active[app]}. Pass force: true to switch anyway`,
      );
    }
    const a = this.monitor.analysis(app, slot);
    if (a.phase === "Failed") {
      throw new HttpError(
        409,
        `slot ${slot} of ${app} failed the edge's health analysis (${a.reason}); traffic stays on ${this.state.active[app]}. Pass force: true to switch anyway`,
      );
    }
  }

  private async autoRollback(app: string, from: Slot, to: Slot, reason: string, source: RollbackSource): Promise<void> {
    const seen = source === "requests" ? "edge proxied requests" : "edge health probes";
    // This instance's traffic leaves the failing slot at once, for the known-healthy warm slot: waiting for the
    // durable write first (an fsync, or a Render API call) would keep failing requests for as long as it takes.
    // The write then makes it durable and tells the peers; should it fail, routing returns to the shared state
    // (and the next failures try again).
    this.rollingBack.set(app, { from, to });
    this.active = this.routing(this.state);
    void this.dataPlane.setActive(this.active);
    try {
      await this.writeRollback(app, from, to, reason, source, seen);
    } finally {
      this.rollingBack.delete(app);
      this.active = this.routing(this.state);
      void this.dataPlane.setActive(this.active);
    }
  }

  private async writeRollback(app: string, from: Slot, to: Slot, reason: string, source: RollbackSource, seen: string): Promise<void> {
    const r = await this.replicator.update((doc) => {
      if (doc.active[app] !== from) return undefined; // another instance already rolled back
      const by = `edge@${this.config.instanceId}`;
      const failed = applyVerdict(doc, { app, slot: from, phase: "Failed", reason: `${seen}: ${reason}`, by });
      // One new version holding both events: applyVerdict already bumped the version, so the switch is applied as
      // of the base version. Otherwise the switch event carried version+2, which peers refuse (422: not an event of
      // the pushed version) and which then broke the next push too (the event counted as new twice).
      return applySwitch(
        { ...failed, version: doc.version },
        {
          app,
          slot: to,
          by,
          reason: `automatic rollback: ${from} failed ${source === "requests" ? "on real traffic" : "its health analysis"} (${reason})`,
          kind: "auto-rollback",
        },
      );
    });
    if (r.changed) this.log(`auto-rollback ${app}: ${from} → ${to} (v${r.state.version}, ${seen}): ${reason}`);
  }

  /** Records an analysis verdict on a slot (e.g. a promotion's pre- or post-switch analysis). */
  async recordVerdict(v: {
    app: string;
    slot: Slot;
    phase: Verdict["phase"];
    reason: string;
    by: string;
  }): Promise<{ version: number; verdict: Verdict; synced: boolean }> {
    const r = await this.replicator.update((doc) => applyVerdict(doc, { ...v, by: `${v.by}@${this.config.instanceId}` }));
    return { version: r.state.version, verdict: r.state.verdicts[v.app]![v.slot]!, synced: !r.peers || r.peers.failed.length === 0 };
  }

  /**
   * `POST /__edge/internal/state`: a peer's push, authenticated by its signature over the exact body with the
   * peer key (not the admin token: holding the admin token is not enough to push state). 401 without a valid
   * signature, before the body is parsed. The answer is signed too (the pusher may adopt the document in a 409).
   */
  async handlePeerPush(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // With Key Value the store orders every write and the instances hear them over its pub/sub: a push could only
    // put a document the store never held into one instance's routing.
    if (this.keyValue) {
      req.resume();
      return sendJson(res, 410, { error: "this edge keeps its state in Key Value: instances do not accept state pushes" });
    }
    const body = await readBody(req, { maxBytes: 1024 * 1024, timeoutMs: 10_000 });
    const refused = verifyPush(this.peerKey, req.headers[PEER_SIGNATURE_HEADER], body);
    if (refused) {
      res.setHeader("www-authenticate", 'Signature realm="edge-peers"');
      return sendJson(res, 401, { error: `peer push refused: ${refused}` });
    }
    let raw: unknown;
    try {
      raw = parseJsonBody(body);
    } catch {
      return sendJson(res, 400, { error: "peer push: body is not valid JSON" });
    }
    let status = 200;
    let answer: unknown;
    try {
      answer = await this.receivePeerState(raw);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      status = e.status;
      answer = { error: e.message, ...e.extra };
    }
    const text = JSON.stringify(answer);
    res
      .writeHead(status, {
        "content-type": "application/json",
        "cache-control": "no-store",
        "content-length": Buffer.byteLength(text),
        ...this.signer.headers(text),
      })
      .end(text);
  }

  /**
   * A peer's push: adopted when it is the next version of the document held here and keeps every rule of the
   * state (`transition.ts`; see `Replicator.receive`); then requests to a slot no longer active drain before the
   * answer. 409 with the document held here when it does not include the push (the pusher reconciles), 422 when it
   * breaks a rule, 400 when malformed.
   */
  async receivePeerState(raw: unknown): Promise<{ instance: string; version: number; drained: boolean }> {
    const prev = this.state;
    let r;
    try {
      r = await this.replicator.receive(raw);
    } catch (e) {
      if (e instanceof TransitionRefused) throw new HttpError(422, `refused: ${e.message}`);
      if (e instanceof Error && /^peer state: /.test(e.message)) throw new HttpError(400, e.message);
      throw e;
    }
    if (!r.included)
      throw new HttpError(409, `this instance holds v${r.state.version}, which does not include the pushed document; reconcile and push again`, {
        state: r.state,
      });
    return { instance: this.config.instanceId, version: r.state.version, drained: await this.drainMoved(prev, r.state) };
  }

  /**
   * A write announced over Key Value by another instance: catch up from the store (the notice carries no state, so
   * nothing but the store can change the routing), then confirm once requests to a slot no longer active drained.
   */
  private async onChangeNotice(n: ChangeNotice): Promise<{ included: boolean; drained: boolean }> {
    const prev = this.state;
    await this.replicator.sync();
    const doc = this.state;
    return { included: includes(doc, n.id), drained: await this.drainMoved(prev, doc) };
  }

  /** Waits (bounded by the drain timeout) for this instance's requests to the slots `next` made inactive. */
  private async drainMoved(prev: EdgeState, next: EdgeState): Promise<boolean> {
    const waits = Object.keys(this.config.apps)
      .filter((a) => prev.active[a] && prev.active[a] !== next.active[a])
      .map((a) => this.dataPlane.drained(a, prev.active[a], this.config.drainTimeoutMs));
    return (await Promise.all(waits)).every(Boolean);
  }

  /** `GET /__edge/state`. */
  describe() {
    const s = this.state;
    const apps = Object.fromEntries(
      Object.entries(this.config.apps).map(([app, u]) => [
        app,
        {
          active: s.active[app],
          healthPath: u.healthPath,
          slots: Object.fromEntries(
            SLOTS.map((slot) => {
              const a = this.monitor.analysis(app, slot);
              const last = this.monitor.last(app, slot);
              return [
                slot,
                {
                  url: u[slot],
                  health: a.phase,
                  healthReason: a.reason,
                  lastStatus: last?.value?.status,
                  lastLatencyMs: last?.value?.latencyMs?.max,
                  inFlight: this.dataPlane.inFlight(app, slot),
                  verdict: s.verdicts[app]?.[slot],
                },
              ];
            }),
          ),
        },
      ]),
    );
    return {
      instance: this.config.instanceId,
      version: s.version,
      updatedAt: s.updatedAt,
      by: s.by,
      active: s.active,
      apps,
      store: this.config.store.kind,
      peers: this.config.peers.kind,
    };
  }

  /** `GET /__edge/metrics?format=json`. */
  metricsJson() {
    return { ...this.metrics.snapshot(), active: this.state.active, stateVersion: this.state.version, events: this.state.events };
  }

  /** `GET /__edge/metrics` (Prometheus text). */
  metricsText(): string {
    const extra = ["# HELP edge_active_slot 1 for the slot that receives an app's traffic.", "# TYPE edge_active_slot gauge"];
    for (const [app, slot] of Object.entries(this.state.active))
      for (const s of SLOTS) extra.push(`edge_active_slot{app="${esc(app)}",slot="${s}"} ${s === slot ? 1 : 0}`);
    extra.push("# HELP edge_switches_total Switches applied on this instance since it started, by kind.", "# TYPE edge_switches_total counter");
    for (const [k, n] of this.switchCounts) {
      const [app, kind] = k.split("\u0000");
      extra.push(`edge_switches_total{app="${esc(app)}",kind="${kind}"} ${n}`);
    }
    extra.push(
      "# HELP edge_state_version Version of the shared state this instance holds.",
      "# TYPE edge_state_version gauge",
      `edge_state_version ${this.state.version}`,
    );
    extra.push(
      "# HELP edge_in_flight_requests Requests being proxied now.",
      "# TYPE edge_in_flight_requests gauge",
      `edge_in_flight_requests ${this.dataPlane.inFlightTotal()}`,
    );
    return this.metrics.prometheus(extra);
  }

  /**
   * Graceful stop (Render sends SIGTERM): leave the peer list, stop accepting connections, let requests in flight
   * finish (up to the shutdown grace), then close everything.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.monitor.stop();
      this.replicator.stop();
      await this.peers.unregister().catch(() => undefined);
      await this.keyValue?.bus.stop();
      for (const e of this.extensions) await Promise.resolve(e.stop?.()).catch(() => undefined);
      // HAProxy stops first (it finishes the requests in flight); the Node proxy's requests are waited for below.
      if (!this.dataPlane.servesPublicPort) await this.dataPlane.stop(this.config.shutdownGraceMs);
      if (this.listening) {
        const closed = new Promise<void>((r) => this.server.close(() => r()));
        this.server.closeIdleConnections();
        const deadline = Date.now() + this.config.shutdownGraceMs;
        while (this.inflight.total() > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
          this.server.closeIdleConnections();
        }
        this.server.closeAllConnections();
        await closed;
      }
      if (this.dataPlane.servesPublicPort) await this.dataPlane.stop(0);
    })();
    return this.stopping;
  }
}

/** The listener that keeps an 'error' event from becoming an uncaught exception (one function, not one per request). */
function ignore(): void {}

/** The path of a request URL for a log line: no query (it may hold tokens), printable, bounded. */
function safePath(url: string | undefined): string {
  const path = (url ?? "").split("?")[0]!;
  return path.replace(/[^\x21-\x7e]/g, "?").slice(0, 200);
}

import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawnEdge, type EdgeProcess } from "../../support/edge-process";
import { hmacSigner } from "../../../apps/edge/peer-auth";
import { mulberry32 } from "../../../sim/prng";
import { TOKEN, until } from "./helpers";
import { rawRequest } from "./raw-http";

/**
 * Fuzzing the edge's whole public surface (issue 13): random methods, paths, percent-encodings, headers and bodies
 * (huge, truncated, invalid UTF-8, chunked, malformed chunking), with and without the admin token and the peer
 * key, sent as raw bytes to a real edge process for a bounded time. Asserts the process never exits, its memory
 * stays bounded, and every request that could be answered got a well-formed HTTP response (status 100-599).
 *
 * Reproducible: case `i` is generated from `mulberry32(seed, i)` alone, so `FUZZ_SEED=<seed> FUZZ_CASE=<i>` replays
 * one case; `FUZZ_MS` sets the duration (default 30 s).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const DURATION_MS = Number(process.env.FUZZ_MS ?? 30_000);
const ONLY = process.env.FUZZ_CASE !== undefined ? Number(process.env.FUZZ_CASE) : undefined;
const CONCURRENCY = 8;
const RSS_LIMIT_MB = 600;
const PEER_KEY = "canary-fuzz-peer-key-0123456789abcdef0123";

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** One generated request: its bytes, a label for the report, and whether an answer can be expected at all. */
interface Case {
  i: number;
  label: string;
  bytes: Buffer;
  /** The client stops sending mid-request (half-close): the server may close without answering. */
  truncated: boolean;
  head: boolean;
}

const PATHS = [
  "/",
  "/api",
  "/api/orders",
  "/__edge",
  "/__edge/",
  "/__edge/healthz",
  "/__edge/state",
  "/__edge/events",
  "/__edge/metrics",
  "/__edge/metrics?format=json",
  "/__edge/switch",
  "/__edge/analysis",
  "/__edge/internal/state",
  "/__edge/flags",
  "/__edge/flags/trading-enabled",
  "/__edge/flags/trading-enabled/override",
  "/__edge/alerts/rules",
  "/__edge/alerts/rules/api-errors",
  "/__edge/vitals",
  "/__edge/vitals?windowMs=abc&since=-1",
  "/__edge/nope",
  "/ofrep/v1/configuration",
  "/ofrep/v1/evaluate/flags",
  "/ofrep/v1/evaluate/flags/trading-enabled",
  "/ofrep/v1/evaluate/flags/",
  "/ofrep/v1/",
  "/__vitals",
  "/__vitals/x",
];
const ENCODINGS = [
  "%E0",
  "%",
  "%Z",
  "%ZZ",
  "%C3%A9",
  "%00",
  "%2F",
  "%2e%2e",
  "%FF%FE",
  "%E0%A4",
  "%F0%9F%98%80",
  "%%",
  "..",
  "//",
  "\u00e9",
  "\u00ff",
  "~",
  "%u0041",
];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "BREW", "CONNECT", "PROPFIND", "get"];

function randomJson(r: Rand, depth = 0): unknown {
  switch (int(r, 0, depth > 2 ? 4 : 7)) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, [0, -1, 1e308, -1e-9, 42, 0.5, Number.MAX_SAFE_INTEGER + 2]);
    case 3:
      return pick(r, ["", "api", "green", "blue", "x".repeat(int(r, 0, 600)), "\u0000", "Failed", "off", "frontend", "\ud800"]);
    case 4:
      return pick(r, ["LCP", "TTFB", "purple", "rollback"]);
    case 5:
      return Array.from({ length: int(r, 0, 4) }, () => randomJson(r, depth + 1));
    default: {
      const keys = [
        "app",
        "slot",
        "force",
        "reason",
        "actor",
        "phase",
        "name",
        "value",
        "metrics",
        "state",
        "context",
        "targetingKey",
        "version",
        "active",
        "events",
        "ext",
        "signal",
        "action",
        "critical",
        "variants",
        "__proto__",
        "constructor",
      ];
      return Object.fromEntries(Array.from({ length: int(r, 0, 6) }, () => [pick(r, keys), randomJson(r, depth + 1)]));
    }
  }
}

/** Plausible bodies for each endpoint, so fuzzing also gets past the first validation step. */
function plausibleBody(r: Rand): unknown {
  return pick(r, [
    { app: "api", slot: pick(r, ["blue", "green", "purple"]), force: r() < 0.5, reason: "fuzz", actor: pick(r, ["fuzz", "bad actor!"]) },
    { app: "api", slot: "green", phase: pick(r, ["Successful", "Failed", "Bogus"]), reason: "fuzz" },
    { app: pick(r, ["api", "frontend", "x"]), name: pick(r, ["LCP", "INP", "CLS", "TTFB", "FID"]), value: pick(r, [1, -1, 1e9, "1"]) },
    { app: "api", metrics: Array.from({ length: int(r, 0, 25) }, () => ({ name: "LCP", value: r() * 5000 })) },
    { context: { targetingKey: pick(r, ["u1", 1, null]), plan: "pro" } },
    { state: pick(r, ["off", "on", "maybe"]), reason: "fuzz" },
    {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: pick(r, ["on", "nope"]),
      metadata: { kind: "kill-switch", owner: "fuzz", createdAt: "2026-01-01" },
    },
    {
      name: "api-errors",
      signal: pick(r, ["api.error_rate", "frontend.lcp"]),
      target: "api",
      comparator: ">",
      critical: { threshold: 0.1 },
      severity: "ticket",
      runbookUrl: "https://r.example/x",
      action: pick(r, [{ type: "none" }, { type: "rollback", app: "api" }]),
    },
    { version: int(r, 0, 1e6), updatedAt: "z", by: "fuzz", active: { api: pick(r, ["blue", "green"]) }, events: [], ext: {} },
  ]);
}

function body(r: Rand): { bytes: Buffer; label: string } {
  switch (int(r, 0, 9)) {
    case 0:
      return { bytes: Buffer.alloc(0), label: "empty" };
    case 1:
    case 2: {
      const t = JSON.stringify(plausibleBody(r));
      return { bytes: Buffer.from(t), label: "plausible" };
    }
    case 3:
      return { bytes: Buffer.from(JSON.stringify(randomJson(r))), label: "random-json" };
    case 4: {
      const t = JSON.stringify(plausibleBody(r));
      return { bytes: Buffer.from(t.slice(0, int(r, 0, t.length))), label: "cut-json" };
    }
    case 5:
      return { bytes: Buffer.from(Array.from({ length: int(r, 1, 200) }, () => int(r, 0x80, 0xff))), label: "invalid-utf8" };
    case 6:
      return { bytes: Buffer.alloc(int(r, 17 * 1024, 2 * 1024 * 1024), pick(r, ["x", "{", "["])), label: "huge" };
    case 7:
      return { bytes: Buffer.from(`{"app":"api","name":"LCP","value":1${" ".repeat(int(r, 0, 100))}}`), label: "padded" };
    default:
      return { bytes: Buffer.from(pick(r, ["null", "[]", '"x"', "1e999", '{"a":', "{}", '{"metrics":null}', "\ufeff{}"])), label: "odd" };
  }
}

function path_(r: Rand): string {
  let p = pick(r, PATHS);
  for (let n = int(r, 0, 3); n > 0; n--) {
    const piece = pick(r, ENCODINGS);
    p = r() < 0.5 ? `${p}${p.endsWith("/") ? "" : "/"}${piece}` : p.replace(/[a-z]/, (c) => (r() < 0.5 ? piece : c));
  }
  if (r() < 0.15) p += `?${pick(r, ["token=secret", "a=%E0", "format=json", "=&=&", "x=" + "y".repeat(int(r, 0, 3000))])}`;
  if (r() < 0.05) p = pick(r, ["*", "http://[::1", "http://edge.test/__edge/state", "//__edge/state", "/\u00e9\u00ff", ""]) || "/";
  return p;
}

export function generate(i: number, signer = hmacSigner(Buffer.from(PEER_KEY))): Case {
  const r = mulberry32((SEED ^ Math.imul(i + 1, 2654435761)) >>> 0);
  const method = pick(r, METHODS);
  const p = path_(r);
  const b = r() < 0.6 || ["POST", "PUT", "PATCH"].includes(method) ? body(r) : { bytes: Buffer.alloc(0), label: "none" };
  const headers: string[] = [`host: ${pick(r, ["edge.test", "api.example.com", "", "x".repeat(300), "[::1]:99999", "a b"])}`];
  const auth = pick(r, ["token", "token", "none", "wrong", "basic", "lower", "empty"]);
  if (auth === "token") headers.push(`authorization: Bearer ${TOKEN}`);
  if (auth === "wrong") headers.push("authorization: Bearer wrong-wrong-wrong-wrong");
  if (auth === "basic") headers.push("authorization: Basic dXNlcjpwYXNz");
  if (auth === "lower") headers.push(`authorization: bearer ${TOKEN} extra`);
  if (auth === "empty") headers.push("authorization:");
  if (r() < 0.2)
    headers.push(
      `${"x-edge-peer-signature"}: ${r() < 0.5 ? signer.headers(b.bytes.toString("utf8"))["x-edge-peer-signature"] : pick(r, ["t=1,v1=00", "junk", "t=99999999999999,v1=" + "a".repeat(64)])}`,
    );
  if (r() < 0.5)
    headers.push(
      `content-type: ${pick(r, ["application/json", "text/plain", "application/json; charset=latin1", "multipart/form-data; boundary=x", "\u00ff"])}`,
    );
  if (r() < 0.2) headers.push(`x-forwarded-for: ${pick(r, ["1.2.3.4", "::1, 10.0.0.1", "", "x".repeat(500), "1.1.1.1, 2.2.2.2, 3.3.3.3"])}`);
  if (r() < 0.1) headers.push(`if-none-match: ${pick(r, ["*", '"abc"', 'W/"x", "y"', ","])}`);
  if (r() < 0.1) headers.push("expect: 100-continue");
  if (r() < 0.1) headers.push(`origin: ${pick(r, ["https://app.example", "null", "evil"])}`);
  if (r() < 0.05) headers.push(`x-big: ${"z".repeat(int(r, 1000, 20_000))}`);
  if (r() < 0.05)
    headers.push(pick(r, ["connection: upgrade", "upgrade: websocket", "te: trailers", "x-dup: 1", "content-length: 5", "transfer-encoding: gzip"]));
  headers.push("connection: close");

  let framing = pick(r, ["length", "length", "length", "chunked", "chunked-bad", "truncated", "none"]);
  if (b.bytes.length === 0 && framing !== "chunked") framing = r() < 0.5 ? "none" : "length";
  let payload: Buffer;
  let truncated = false;
  if (framing === "length") {
    headers.push(`content-length: ${b.bytes.length}`);
    payload = b.bytes;
  } else if (framing === "chunked" || framing === "chunked-bad") {
    headers.push("transfer-encoding: chunked");
    const parts: Buffer[] = [];
    for (let off = 0; off < b.bytes.length;) {
      const n = Math.min(b.bytes.length - off, int(r, 1, 64 * 1024));
      parts.push(Buffer.from(`${n.toString(16)}\r\n`), b.bytes.subarray(off, off + n), Buffer.from("\r\n"));
      off += n;
    }
    const last = framing === "chunked-bad" ? pick(r, ["zz\r\n\r\n", "5\r\nab\r\n", "0\r\nx-trailer: \u0000\r\n\r\n", "-1\r\n"]) : "0\r\n\r\n";
    parts.push(Buffer.from(last));
    payload = Buffer.concat(parts);
    // A chunk shorter than announced is a body still arriving, not a malformed one: the client then stops (half-close).
    truncated = last.startsWith("5\r\n");
  } else if (framing === "truncated") {
    headers.push(`content-length: ${b.bytes.length + int(r, 1, 5000)}`);
    payload = b.bytes;
    truncated = true;
  } else payload = Buffer.alloc(0);

  const head = Buffer.from(`${method} ${p} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`, "latin1");
  return {
    i,
    label: `${method} ${p.slice(0, 80)} [${b.label}, ${framing}, auth ${auth}]`,
    bytes: Buffer.concat([head, payload]),
    truncated,
    head: method === "HEAD",
  };
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

describe("fuzzing the edge's public surface", () => {
  let upstream: http.Server;
  let edge: EdgeProcess;
  let dir: string;

  beforeAll(async () => {
    // A plain upstream for both slots: drains whatever it is sent and answers 200 (or echoes odd statuses).
    upstream = http.createServer((req, res) => {
      req.on("error", () => undefined);
      req.resume();
      req.on("end", () => res.writeHead(req.url === "/healthz" ? 200 : 200, { "content-type": "text/plain" }).end("ok"));
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-fuzz-"));
    edge = await spawnEdge({
      EDGE_APPS: JSON.stringify({ api: { blue: url, green: `${url}/green`, healthPath: "/healthz" } }),
      EDGE_ROUTES: JSON.stringify([
        { hosts: ["api.example.com"], app: "api" },
        { pathPrefix: "/api", app: "api", stripPrefix: true },
      ]),
      EDGE_ADMIN_TOKEN: TOKEN,
      EDGE_PEER_KEY: PEER_KEY,
      EDGE_STATE_FILE: path.join(dir, "state.json"),
      EDGE_VITALS_APPS: "frontend",
      EDGE_FLAGS_ALLOW_ORIGIN: "https://app.example",
      EDGE_PROBE_INTERVAL_MS: "500",
      EDGE_DRAIN_TIMEOUT_MS: "200",
    });
  });
  afterAll(async () => {
    await edge?.stop(2_000);
    await new Promise((r) => upstream.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    `never exits, stays within ${RSS_LIMIT_MB} MB and answers every request well-formed (seed ${SEED})`,
    async () => {
      const pid = edge.proc.pid!;
      const baseRss = rssMb(pid);
      let maxRss = baseRss;
      const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMb(pid))), 250);
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      let run = 0,
        unanswered = 0;
      const started = Date.now();
      let next = ONLY ?? 0;
      const worker = async () => {
        while (ONLY === undefined ? Date.now() - started < DURATION_MS : next === ONLY) {
          const c = generate(next++);
          // Longer than the edge's upstream timeout (30 s): a proxied request whose body stalls is answered 504 by then.
          const a = await rawRequest(edge.url, c.bytes, 40_000, { halfClose: c.truncated, head: c.head });
          run++;
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          if (a.status === 0 && c.truncated) unanswered++;
          else if (!(a.status >= 100 && a.status <= 599))
            failures.push(`case ${c.i}: ${c.label}: ${a.status === 0 ? "no HTTP answer" : `bad status line '${a.statusLine.slice(0, 80)}'`}`);
          if (edge.proc.exitCode !== null || edge.proc.signalCode !== null) {
            failures.push(`case ${c.i}: ${c.label}: the edge process exited (${edge.proc.exitCode ?? edge.proc.signalCode})`);
            return;
          }
        }
      };
      await Promise.all(Array.from({ length: ONLY === undefined ? CONCURRENCY : 1 }, worker));
      clearInterval(sampler);
      maxRss = Math.max(maxRss, rssMb(pid));
      const byStatus = [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}:${n}`)
        .join(" ");
      console.log(
        `edge fuzz: seed ${SEED}, ${run} cases in ${Date.now() - started} ms, ${failures.length} failures, ${unanswered} truncated requests closed unanswered; child RSS ${baseRss.toFixed(0)} → max ${maxRss.toFixed(0)} MB; statuses ${byStatus}${failures.length ? `\n  ${failures.slice(0, 20).join("\n  ")}` : ""}`,
      );

      expect(failures).toEqual([]);
      expect(edge.proc.exitCode).toBeNull();
      expect(maxRss).toBeLessThan(RSS_LIMIT_MB);
      // Still serving, and still itself: health, admin and proxy answer.
      await until(async () => (await rawRequest(edge.url, "GET /__edge/healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")).status === 200, 5_000);
      expect((await rawRequest(edge.url, `GET /__edge/state HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nconnection: close\r\n\r\n`)).status).toBe(
        200,
      );
      expect((await rawRequest(edge.url, "GET /x HTTP/1.1\r\nhost: api.example.com\r\nconnection: close\r\n\r\n")).status).toBe(200);
      expect(edge.logs()).not.toContain(TOKEN);
      expect(edge.logs()).not.toContain(PEER_KEY);
    },
    DURATION_MS + 90_000,
  );
});

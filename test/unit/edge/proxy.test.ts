import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { startEdge, TOKEN } from "./helpers";
import { rawRequest } from "./raw-http";

/**
 * The proxy's forwarding contract through a real edge and a real upstream that records what it receives: hop-by-hop
 * headers stripped both ways (including those named in Connection), X-Forwarded-* added, bodies relayed intact in
 * both directions, `Expect: 100-continue` met on the client's hop, and an upstream that answers before reading the
 * body never leaves the client without an answer; a client that stalls its body is answered 408.
 */
let upstream: http.Server;
let base: string;
let seen: { method?: string; url?: string; headers: string[]; bodySha?: string; bodyBytes: number }[] = [];
let edge: Awaited<ReturnType<typeof startEdge>>;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const rec = { method: req.method, url: req.url, headers: req.rawHeaders.slice(), bodyBytes: 0 } as (typeof seen)[number];
    seen.push(rec);
    if (req.url === "/healthz") return void res.end("ok");
    if (req.url?.startsWith("/early")) {
      // Answers before reading the body (as a size limit would), and closes.
      res.writeHead(413, { "content-type": "text/plain", connection: "close" }).end("too large\n");
      return;
    }
    const h = createHash("sha256");
    req.on("data", (d: Buffer) => {
      h.update(d);
      rec.bodyBytes += d.length;
    });
    req.on("end", () => {
      rec.bodySha = h.digest("hex");
      if (req.url === "/big") {
        // 4 MB answer in 64 KB writes: relayed with backpressure.
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(4 * 1024 * 1024) });
        const chunk = Buffer.alloc(64 * 1024, 7);
        let i = 0;
        const more = () => {
          while (i < 64) {
            i++;
            if (!res.write(chunk)) return void res.once("drain", more);
          }
          res.end();
        };
        return more();
      }
      res
        .writeHead(200, [
          "content-type",
          "text/plain",
          "connection",
          "keep-alive, x-up-hop",
          "x-up-hop",
          "secret",
          "keep-alive",
          "timeout=5",
          "proxy-authenticate",
          "Basic",
          "x-kept",
          "yes",
        ])
        .end("ok\n");
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  edge = await startEdge({
    PORT: "0",
    EDGE_LISTEN_HOST: "127.0.0.1",
    EDGE_APPS: JSON.stringify({ api: { blue: base, green: base, healthPath: "/healthz" } }),
    EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
    EDGE_ADMIN_TOKEN: TOKEN,
    EDGE_PROBE_INTERVAL_MS: "1000",
    EDGE_UPSTREAM_TIMEOUT_MS: "1000",
  });
});
afterAll(async () => {
  await edge?.stop();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});
beforeEach(() => {
  seen = [];
});

const headerMap = (raw: string[]) => {
  const m: Record<string, string[]> = {};
  for (let i = 0; i < raw.length; i += 2) (m[raw[i]!.toLowerCase()] ??= []).push(raw[i + 1]!);
  return m;
};
const proxied = () => seen.filter((s) => s.url !== "/healthz");

describe("the proxy's forwarding", () => {
  it("strips hop-by-hop headers both ways (also those named in Connection) and adds X-Forwarded-*", async () => {
    const r = await rawRequest(
      edge.url,
      [
        "GET /orders?id=1 HTTP/1.1",
        "Host: api.example.com",
        "Connection: keep-alive, X-Client-Hop",
        "X-Client-Hop: secret",
        "Keep-Alive: timeout=9",
        "TE: trailers",
        "Proxy-Authorization: Basic dXNlcjpwYXNz",
        "X-Forwarded-For: 203.0.113.9",
        "X-Kept: 1",
        "",
        "",
      ].join("\r\n"),
    );
    expect(r.status).toBe(200);
    const got = headerMap(proxied()[0]!.headers);
    expect(proxied()[0]).toMatchObject({ method: "GET", url: "/orders?id=1" });
    for (const h of ["x-client-hop", "keep-alive", "te", "proxy-authorization"]) expect(got[h]).toBeUndefined();
    expect(got["x-kept"]).toEqual(["1"]);
    expect(got.host).toEqual([new URL(base).host]);
    expect(got["x-forwarded-for"]).toEqual(["203.0.113.9, 127.0.0.1"]);
    expect(got["x-forwarded-host"]).toEqual(["api.example.com"]);
    expect(got["x-forwarded-proto"]).toEqual(["http"]);
    // The answer: the upstream's hop-by-hop headers are gone, the rest and the slot header are there.
    const head = r.raw.split("\r\n\r\n")[0]!.toLowerCase();
    expect(head).toContain("x-kept: yes");
    expect(head).toContain("x-edge-slot: blue");
    expect(head).not.toContain("x-up-hop");
    expect(head).not.toContain("proxy-authenticate");
    expect(head).not.toContain("timeout=5");
  });

  it("relays a 3 MB chunked request body and a 4 MB answer intact", async () => {
    const body = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const answer = await new Promise<{ status: number; bytes: number; sha: string }>((resolve, reject) => {
      const req = http.request(`${edge.url}/big`, { method: "PUT", agent: false, headers: { "transfer-encoding": "chunked" } }, (res) => {
        const h = createHash("sha256");
        let bytes = 0;
        res.on("data", (d: Buffer) => {
          h.update(d);
          bytes += d.length;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, sha: h.digest("hex") }));
      });
      req.on("error", reject);
      for (let off = 0; off < body.length; off += 100_000) req.write(body.subarray(off, off + 100_000));
      req.end();
    });
    expect(answer.status).toBe(200);
    expect(answer.bytes).toBe(4 * 1024 * 1024);
    expect(answer.sha).toBe(
      createHash("sha256")
        .update(Buffer.alloc(4 * 1024 * 1024, 7))
        .digest("hex"),
    );
    expect(proxied()[0]).toMatchObject({ method: "PUT", bodyBytes: body.length, bodySha: createHash("sha256").update(body).digest("hex") });
    expect(headerMap(proxied()[0]!.headers)["transfer-encoding"]).toEqual(["chunked"]);
  });

  it("meets Expect: 100-continue on the client's hop and forwards the body without it", async () => {
    const r = await rawRequest(edge.url, "POST /orders HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    expect(r.status).toBe(200);
    expect(proxied()[0]).toMatchObject({ method: "POST", bodyBytes: 5 });
    expect(headerMap(proxied()[0]!.headers).expect).toBeUndefined();
  });

  it("an upstream that answers and closes before reading a large body: the client still gets an HTTP answer, not a reset", async () => {
    // Whether the edge reads the 413 before its write fails (EPIPE) is a race, as for nginx: either answer is
    // well-formed; what must not happen is the client's connection reset without one.
    const body = "x".repeat(2 * 1024 * 1024);
    const r = await rawRequest(edge.url, `POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect([413, 502]).toContain(r.status);
    expect((await rawRequest(edge.url, "GET /__edge/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).status).toBe(200);
  });

  it("a client that stops sending the body it announced gets 408 after the upstream timeout, and the slot is not blamed", async () => {
    const r = await rawRequest(edge.url, "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhe", 10_000);
    expect(r.status).toBe(408);
    expect(r.raw).toContain("x-edge: request-body-timeout");
    const m = (await rawRequest(edge.url, `GET /__edge/metrics?format=json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`))
      .raw;
    expect(m).not.toContain('"5xx":1');
    // The next request is served normally.
    expect((await rawRequest(edge.url, "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).status).toBe(200);
  });
});

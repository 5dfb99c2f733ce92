import { EventEmitter } from "node:events";
import { spawnEdge, type EdgeProcess } from "../../support/edge-process";
import { installProcessGuard } from "../../../apps/edge/process-guard";
import { edgeEnv, slots, TOKEN } from "./helpers";
import { rawRequest } from "./raw-http";

/**
 * Requests that used to kill the edge process (issue 13, critical), sent to a real edge process as raw bytes. After
 * each one the process must still be alive and answer its health check.
 */
type Slots = Awaited<ReturnType<typeof slots>>;
let s: Slots;
let edge: EdgeProcess;

beforeAll(async () => {
  s = await slots("api");
  edge = await spawnEdge(edgeEnv(s));
});
afterAll(async () => {
  await edge?.stop(2_000);
  await s.api.blue.close();
  await s.api.green.close();
});

const req = (method: string, path: string, opts: { token?: boolean; body?: string; headers?: string[] } = {}) => {
  const body = opts.body ?? "";
  const lines = [
    `${method} ${path} HTTP/1.1`,
    "host: edge.test",
    "connection: close",
    ...(opts.token ? [`authorization: Bearer ${TOKEN}`] : []),
    ...(opts.headers ?? []),
  ];
  if (body || method === "POST" || method === "PUT") lines.push("content-type: application/json", `content-length: ${Buffer.byteLength(body)}`);
  return rawRequest(edge.url, `${lines.join("\r\n")}\r\n\r\n${body}`);
};

async function alive(): Promise<void> {
  expect(edge.proc.exitCode).toBeNull();
  expect((await req("GET", "/__edge/healthz")).status).toBe(200);
}

describe("hostile requests to a real edge process", () => {
  it("POST /ofrep/v1/evaluate/flags/%E0 answers 400 and the process lives on", async () => {
    const r = await req("POST", "/ofrep/v1/evaluate/flags/%E0", { body: "{}" });
    expect(r.status).toBe(400);
    expect(r.raw).toContain("PARSE_ERROR");
    // The same without a body, and twice more: the old code died on the first.
    expect((await req("POST", "/ofrep/v1/evaluate/flags/%E0%A4")).status).toBe(400);
    expect((await req("POST", "/ofrep/v1/evaluate/flags/%")).status).toBe(400);
    await alive();
  });

  it("malformed percent-encoding on admin paths is the client's error (400), with and without the token", async () => {
    for (const p of ["/__edge/flags/%E0", "/__edge/flags/%E0/override", "/__edge/alerts/rules/%E0", "/__edge/alerts/rules/%"]) {
      expect((await req("GET", p, { token: true })).status).toBe(400);
      expect((await req("PUT", p, { token: true, body: "{}" })).status).toBe(400);
      expect((await req("GET", p)).status).toBe(401);
    }
    await alive();
  });

  it("bad bodies get 400/413 naming the problem; an empty admin body names the first missing field", async () => {
    const empty = await req("POST", "/__edge/switch", { token: true });
    expect(empty.status).toBe(400);
    expect(empty.raw).toContain("app is required");
    expect((await req("POST", "/__edge/switch", { token: true, body: "{not json" })).status).toBe(400);
    expect((await req("POST", "/__vitals", { body: "\u00ff\u00fe{" })).status).toBe(400);
    const huge = "x".repeat(300 * 1024);
    expect((await req("POST", "/__edge/analysis", { token: true, body: huge })).status).toBe(413);
    expect((await req("POST", "/ofrep/v1/evaluate/flags", { body: huge })).status).toBe(413);
    // The two readers agree: an empty body is "no body" for OFREP too (a bulk evaluation without context).
    expect((await req("POST", "/ofrep/v1/evaluate/flags")).status).toBeLessThan(500);
    await alive();
  });

  it("a body cut off mid-way, an absolute-form URL and odd methods do not take the process down", async () => {
    const u = new URL(edge.url);
    await rawRequest(edge.url, `POST /ofrep/v1/evaluate/flags HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"cont`, 300);
    await rawRequest(edge.url, `PUT /__edge/alerts/rules/x HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-length: 100\r\n\r\n{"na`, 300);
    expect((await rawRequest(edge.url, `GET http://[::1 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`)).status).toBeGreaterThanOrEqual(100);
    expect((await rawRequest(edge.url, `GET http://${u.host}/ofrep/v1/configuration HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`)).status).toBeLessThan(
      600,
    );
    expect((await req("BREW", "/ofrep/v1/evaluate/flags/a")).status).toBeGreaterThanOrEqual(400);
    await alive();
    expect(edge.logs()).not.toContain(TOKEN);
  });
});

describe("process guard", () => {
  it("logs unhandled rejections and keeps going; only a storm of uncaught exceptions asks to drain", () => {
    const target = new EventEmitter();
    const lines: string[] = [];
    const fatal: string[] = [];
    const g = installProcessGuard({
      log: (m) => lines.push(m),
      onFatal: (r) => fatal.push(r),
      maxFaults: 3,
      windowMs: 60_000,
      target: target as unknown as NodeJS.Process,
    });
    for (let i = 0; i < 10; i++) target.emit("unhandledRejection", new URIError("URI malformed"));
    expect(fatal).toEqual([]);
    expect(lines[0]).toMatch(/^unhandled rejection \(kept serving\): URIError: URI malformed/);
    for (let i = 0; i < 3; i++) target.emit("uncaughtException", new TypeError("boom"));
    expect(fatal).toEqual([]);
    target.emit("uncaughtException", new TypeError("boom"));
    expect(fatal).toEqual(["4 unexpected errors within 60 s"]);
    target.emit("uncaughtException", new TypeError("boom"));
    expect(fatal).toHaveLength(1);
    expect(g.faults()).toBe(15);
  });
});

import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { EdgeAdminClient, EdgeAdminError } from "../../../infra/edge-contract/client";

/**
 * The edge's one admin client against real HTTP servers: timeouts, which calls are retried (GETs; any call whose
 * connection failed before it was sent), the one error type, and the token never in an error.
 */

const TOKEN = "canary-token-never-in-errors-7f3a9c";

const STATE = {
  instance: "edge-1",
  version: 3,
  updatedAt: "2026-12-03T00:00:00.000Z",
  by: "pulumi",
  active: { api: "blue" },
  apps: {
    api: {
      active: "blue",
      healthPath: "/healthz",
      slots: {
        blue: { url: "http://api-blue:10000", health: "Successful", healthReason: "3/3 probes passed", inFlight: 0 },
        green: { url: "http://api-green:10000", health: "Successful", healthReason: "3/3 probes passed", inFlight: 0 },
      },
    },
  },
  store: "memory",
  peers: "none",
};

interface Server {
  url: string;
  hits: Array<{ method: string; path: string; auth?: string; body: string }>;
  close(): Promise<void>;
}

/** A real server; `answer` gets each request (after its body was read) and the 1-based hit number. */
async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void, port = 0): Promise<Server> {
  const hits: Server["hits"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hits.push({ method: req.method!, path: req.url!, auth: req.headers.authorization, body: Buffer.concat(chunks).toString() });
      answer(req, res, hits.length);
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const json = (res: http.ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
const failure = async (p: Promise<unknown>): Promise<EdgeAdminError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EdgeAdminError);
  return e as EdgeAdminError;
};
const noToken = (e: EdgeAdminError) => {
  for (const text of [e.message, String(e), e.stack ?? "", JSON.stringify(e), JSON.stringify(e.issues)]) expect(text).not.toContain(TOKEN);
};

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function server(answer: Parameters<typeof serve>[0], port?: number): Promise<Server> {
  const s = await serve(answer, port);
  servers.push(s);
  return s;
}

describe("EdgeAdminClient: timeouts", () => {
  it("gives up on an edge that never answers: status 0, code timeout, named call, no token", async () => {
    const s = await server(() => {}); // holds every request
    const client = new EdgeAdminClient({ url: s.url, token: TOKEN, timeoutMs: 200, retries: 0 });
    const e = await failure(client.getState());
    expect(e).toMatchObject({ status: 0, code: "timeout" });
    expect(e.message).toBe(`edge admin GET /__edge/state: no answer from ${s.url} (timed out after 200 ms)`);
    expect(s.hits).toHaveLength(1);
    noToken(e);
  });

  it("retries a GET that timed out, never a write that may have reached the edge", async () => {
    const s = await server(() => {});
    const client = new EdgeAdminClient({ url: s.url, token: TOKEN, timeoutMs: 200, retries: 1 });
    await failure(client.getState());
    expect(s.hits.map((h) => h.method)).toEqual(["GET", "GET"]);
    s.hits.length = 0;
    const e = await failure(client.switch({ app: "api", slot: "green" }));
    expect(e.code).toBe("timeout");
    expect(s.hits.map((h) => h.method)).toEqual(["POST"]);
  });

  it("a caller's signal aborts the call at once, without retries", async () => {
    const s = await server(() => {});
    const client = new EdgeAdminClient({ url: s.url, token: TOKEN, timeoutMs: 60_000, retries: 3 });
    const ac = new AbortController();
    const pending = failure(client.metrics({ signal: ac.signal }));
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    expect((await pending).code).toBe("aborted");
    expect(s.hits.length).toBeLessThanOrEqual(1);
  });
});

describe("EdgeAdminClient: retries only where a retry cannot apply anything twice", () => {
  it("retries a GET on 503 and returns the validated answer", async () => {
    const s = await server((_q, res, n) => (n === 1 ? json(res, 503, { error: "edge could not complete the call: store down" }) : json(res, 200, STATE)));
    const view = await new EdgeAdminClient({ url: s.url, token: TOKEN, retries: 2 }).getState();
    expect(view.apps.api!.active).toBe("blue");
    expect(s.hits).toHaveLength(2);
    expect(s.hits[0]!.auth).toBe(`Bearer ${TOKEN}`);
  });

  it("sends a POST once on 503 (the edge may have applied it) and reports code unavailable", async () => {
    const s = await server((_q, res) => json(res, 503, { error: "edge could not complete the call: store down" }));
    const e = await failure(new EdgeAdminClient({ url: s.url, token: TOKEN, retries: 2 }).switch({ app: "api", slot: "green", reason: "test" }));
    expect(e).toMatchObject({ status: 503, code: "unavailable" });
    expect(e.message).toBe("edge admin POST /__edge/switch: HTTP 503: edge could not complete the call: store down");
    expect(s.hits).toHaveLength(1);
    expect(JSON.parse(s.hits[0]!.body)).toEqual({ app: "api", slot: "green", reason: "test" });
  });

  it("sends a PUT or DELETE once when the connection is cut after the request left; retries a GET", async () => {
    const s = await server((req) => req.socket.destroy());
    const client = new EdgeAdminClient({ url: s.url, token: TOKEN, retries: 2 });
    expect((await failure(client.flags.setOverride("checkout", { state: "off" }))).status).toBe(0);
    expect((await failure(client.alerts.remove("api-errors"))).status).toBe(0);
    expect(s.hits.map((h) => h.method)).toEqual(["PUT", "DELETE"]);
    s.hits.length = 0;
    const e = await failure(client.flags.list());
    expect(e).toMatchObject({ status: 0, code: "unreachable" });
    expect(s.hits.map((h) => h.method)).toEqual(["GET", "GET", "GET"]);
    noToken(e);
  });

  it("retries a write whose connection was refused (it never left) until the edge listens", async () => {
    const probe = await serve(() => {});
    const port = Number(new URL(probe.url).port);
    await probe.close(); // the port is free: connections are refused
    const client = new EdgeAdminClient({ url: `http://127.0.0.1:${port}`, token: TOKEN, retries: 6 });
    const call = client.switch({ app: "api", slot: "green" });
    // The edge comes up after the first refusal; the backoff (200 ms, 400 ms, …) leaves it seconds to do so.
    await new Promise((r) => setTimeout(r, 50));
    const s = await server(
      (_q, res) => json(res, 200, { app: "api", from: "blue", to: "green", changed: true, forced: false, version: 4, drained: true, synced: true }),
      port,
    );
    expect(await call).toMatchObject({ changed: true, to: "green" });
    expect(s.hits.map((h) => h.method)).toEqual(["POST"]);
  });

  it("while waiting for the edge to be ready (pulumi up), retries a PUT past a proxy's 502 and a 401, never a POST", async () => {
    const s = await server((req, res, n) => {
      if (req.method === "POST") return res.writeHead(502, { "content-type": "text/plain" }).end("Bad Gateway");
      if (n === 1) return res.writeHead(502, { "content-type": "text/plain" }).end("Bad Gateway"); // the edge's deploy is starting
      if (n === 2) return json(res, 401, { error: "missing or wrong admin token" }); // still the previous deploy's token
      json(res, 200, { revision: "r1", rule: { name: "api-errors" } });
    });
    const client = new EdgeAdminClient({ url: s.url, token: TOKEN, retries: 0, readyTimeoutMs: 30_000 });
    await client.alerts.put({ name: "api-errors" } as never);
    expect(s.hits.map((h) => h.method)).toEqual(["PUT", "PUT", "PUT"]);
    s.hits.length = 0;
    const e = await failure(client.switch({ app: "api", slot: "green" }));
    expect(e).toMatchObject({ status: 502, code: "unavailable" });
    expect(s.hits.map((h) => h.method)).toEqual(["POST"]);
  });

  it("does not retry a 4xx, even a GET", async () => {
    const s = await server((_q, res) => json(res, 404, { error: "no admin endpoint GET /__edge/state" }));
    const e = await failure(new EdgeAdminClient({ url: s.url, token: TOKEN, retries: 3 }).getState());
    expect(e).toMatchObject({ status: 404, code: "not-found" });
    expect(s.hits).toHaveLength(1);
  });
});

describe("EdgeAdminClient: one error type", () => {
  it("carries the status, the edge's code and the fields it named", async () => {
    const s = await server((req, res) =>
      req.url === "/__edge/switch"
        ? json(res, 409, { error: "slot green of api failed its last analysis", code: "slot-failed-analysis" })
        : json(res, 400, { error: "reason: reason is required", issues: [{ path: "reason", message: "reason is required" }] }),
    );
    const client = new EdgeAdminClient({ url: s.url, token: TOKEN });
    const conflict = await failure(client.switch({ app: "api", slot: "green" }));
    expect(conflict).toMatchObject({
      name: "EdgeAdminError",
      status: 409,
      code: "slot-failed-analysis",
      message: "edge admin POST /__edge/switch: HTTP 409: slot green of api failed its last analysis",
    });
    const bad = await failure(client.reportAnalysis({ app: "api", slot: "green", phase: "Failed", reason: "" }));
    expect(bad).toMatchObject({ status: 400, code: "invalid-request", issues: [{ path: "reason", message: "reason is required" }] });
  });

  it("refuses an answer the contract does not describe (code bad-answer)", async () => {
    const s = await server((_q, res) => json(res, 200, { instance: "edge-1", version: "three" }));
    const e = await failure(new EdgeAdminClient({ url: s.url, token: TOKEN }).getState());
    expect(e).toMatchObject({ status: 200, code: "bad-answer" });
  });

  it("never carries the token, even when the edge (or a proxy) echoes it back", async () => {
    const s = await server((req, res) => json(res, 401, { error: `wrong token: got ${req.headers.authorization}` }));
    const e = await failure(new EdgeAdminClient({ url: s.url, token: TOKEN }).flags.put("checkout", {} as never));
    expect(e).toMatchObject({ status: 401, code: "unauthorized" });
    expect(e.message).toContain("wrong token: got Bearer [redacted]");
    noToken(e);
    const plain = await server((req, res) =>
      res.writeHead(502, { "content-type": "text/html" }).end(`<html>bad gateway for ${req.headers.authorization}</html>`),
    );
    const e2 = await failure(new EdgeAdminClient({ url: plain.url, token: TOKEN, retries: 0 }).events());
    expect(e2.status).toBe(502);
    noToken(e2);
  });

  it("refuses bad options before any call, naming the fix", () => {
    expect(() => new EdgeAdminClient({ url: "edge.example.com", token: TOKEN })).toThrow("edge URL must be an http(s) URL, got 'edge.example.com'");
    expect(() => new EdgeAdminClient({ url: "http://edge", token: "" })).toThrow("no edge admin token: set EDGE_ADMIN_TOKEN");
  });
});

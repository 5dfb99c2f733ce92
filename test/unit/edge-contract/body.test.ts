import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { BodyError, readJsonBody, sendJson } from "../../../infra/edge-contract/http";
import { admin, edgeEnv, slots, startEdge, TOKEN } from "../edge/helpers";

/** The edge's one JSON body reader and its empty-body rule: an empty body is `{}`, judged like any object. */

const Schema = z.object({ app: z.string({ error: "app is required" }), slot: z.enum(["blue", "green"]).optional() });

async function reader(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    readJsonBody(req, { maxBytes: 1024, timeoutMs: 2_000, schema: Schema }).then(
      (body) => sendJson(res, 200, { body }),
      (e: unknown) => (e instanceof BodyError ? sendJson(res, e.status, { error: e.message, issues: e.issues }) : sendJson(res, 500, { error: "internal" })),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function post(url: string, body: string | undefined): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: "POST", body, headers: body === undefined ? {} : { "content-type": "application/json" } });
  return { status: res.status, body: await res.json() };
}

describe("readJsonBody", () => {
  let srv: Awaited<ReturnType<typeof reader>>;
  beforeAll(async () => {
    srv = await reader();
  });
  afterAll(() => srv.close());

  it.each([
    ["no body at all", undefined],
    ["an empty body", ""],
    ["a blank body", "  \n\t "],
    ["the empty object", "{}"],
  ])("reads %s as {}: 400 naming the first required field", async (_what, body) => {
    const r = await post(srv.url, body);
    expect(r).toEqual({ status: 400, body: { error: "app: app is required", issues: [{ path: "app", message: "app is required" }] } });
  });

  it("names a nested invalid field", async () => {
    const r = await post(srv.url, JSON.stringify({ app: "api", slot: "purple" }));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^slot: /);
    expect(r.body.issues[0].path).toBe("slot");
  });

  it("answers 400 `body: not valid JSON` for a body that is not JSON, 413 for one too large", async () => {
    const bad = await post(srv.url, "{app:");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^body: not valid JSON/);
    expect(bad.body.issues).toEqual([{ path: "body", message: "not valid JSON" }]);
    expect((await post(srv.url, JSON.stringify({ app: "x".repeat(2_000) }))).status).toBe(413);
  });

  it("passes a valid body through the schema", async () => {
    expect(await post(srv.url, '{"app":"api","slot":"green","extra":1}')).toEqual({ status: 200, body: { body: { app: "api", slot: "green" } } });
  });
});

describe("the edge's admin API follows the same rule", () => {
  it("an empty switch or analysis body is 400 naming `app`; nothing changes", async () => {
    const s = await slots("api");
    const edge = await startEdge(edgeEnv(s, { EDGE_AUTO_ROLLBACK: "off" }));
    try {
      for (const path of ["/__edge/switch", "/__edge/analysis"]) {
        const res = await fetch(`${edge.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(400);
        const body = (await res.json()) as { error: string; issues: Array<{ path: string }> };
        expect(body.error).toBe(path.endsWith("switch") ? 'app: app is required (the app name, e.g. "api")' : "app: app is required");
        expect(body.issues[0]!.path).toBe("app");
      }
      expect((await admin(edge.url, "GET", "/__edge/state")).body.version).toBe(0);
    } finally {
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });
});

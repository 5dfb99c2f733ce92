/**
 * The synthetic app's `/orders` endpoint on bad input, over real HTTP: a bad `SIM_ORDERS_COLUMNS`, bodies that are not
 * a JSON object or too large, other methods, an unreachable database. Each gets a clear answer; the server lives on.
 * (With a real database, `test/integration/migration-under-traffic.test.ts`.)
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { OrdersEndpoint, ordersEndpointFor } from "../../../sim/dataplane/synthetic-orders";

/** Nothing listens on port 1: connections are refused at once. */
const NO_DB = "postgresql://shop:canary-pw-93b1@127.0.0.1:1/shop";

async function serve(endpoint: OrdersEndpoint) {
  const server = http.createServer((req, res) => endpoint.handle(req, res, "srv-test-i1"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
  const call = async (method: string, body?: string) => {
    const res = await fetch(url, {
      method,
      body,
      headers: body !== undefined ? { "content-type": "application/json" } : {},
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { call, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("synthetic /orders on bad input", () => {
  it("is on only with DATABASE_URL and SIM_ORDERS_COLUMNS", () => {
    expect(ordersEndpointFor({ SIM_ORDERS_COLUMNS: "item" }, "1")).toBeUndefined();
    expect(ordersEndpointFor({ DATABASE_URL: NO_DB }, "1")).toBeUndefined();
    expect(ordersEndpointFor({ DATABASE_URL: NO_DB, SIM_ORDERS_COLUMNS: "item" }, "1")).toBeInstanceOf(OrdersEndpoint);
  });

  it("a bad column list answers 500 naming SIM_ORDERS_COLUMNS, never reaching SQL", async () => {
    const s = await serve(new OrdersEndpoint(NO_DB, `item,"; DROP TABLE orders; --`, "1.0.0"));
    try {
      const r = await s.call("GET");
      expect(r.status).toBe(500);
      expect(r.body).toEqual({
        version: "1.0.0",
        error: expect.stringMatching(/^SIM_ORDERS_COLUMNS must list column names .*; ""; DROP TABLE orders; --" is not one$/),
      });
      expect((await s.call("POST", "{}")).status).toBe(500);
    } finally {
      await s.close();
    }
  });

  it("bodies that are not a JSON object, too large, or other methods: 4xx; an unreachable database: 500; the server lives on", async () => {
    const s = await serve(new OrdersEndpoint(NO_DB, "item,note", "2.0.0"));
    try {
      expect(await s.call("POST", "{not json")).toEqual({ status: 400, body: { version: "2.0.0", error: "the body must be JSON" } });
      expect(await s.call("POST", "[1,2]")).toEqual({ status: 400, body: { version: "2.0.0", error: "the body must be a JSON object of column values" } });
      expect(await s.call("POST", JSON.stringify({ item: "x".repeat(20_000) }))).toEqual({
        status: 400,
        body: { version: "2.0.0", error: "the body must be at most 16384 bytes" },
      });
      expect(await s.call("PUT", "{}")).toEqual({ status: 405, body: { version: "2.0.0", error: "method not allowed: use GET or POST" } });
      const down = await s.call("GET");
      expect(down.status).toBe(500);
      expect(down.body.error).toMatch(/ECONNREFUSED/);
      expect(JSON.stringify(down.body)).not.toContain("canary-pw-93b1");
      expect((await s.call("POST", JSON.stringify({ item: "a" }))).status).toBe(500);
    } finally {
      await s.close();
    }
  });
});

import type { IncomingMessage, ServerResponse } from "node:http";
import { Pool } from "pg";

/** The env var that turns the endpoint on: the columns of `orders` this version reads and writes, comma-separated. */
const ORDERS_COLUMNS_ENV = "SIM_ORDERS_COLUMNS";
/** Rows `GET /orders` returns (newest first). */
const PAGE = 20;
/** Largest request body read (a JSON object of column values). */
const MAX_BODY = 16 * 1024;
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A database-backed endpoint of the synthetic app, so the simulator can show what a schema migration does to the
 * versions running against one database. With `DATABASE_URL` and `SIM_ORDERS_COLUMNS` (e.g. `item`, or `item,note`
 * for a version that knows the expand migration's new column) in the deploy's env, `/orders` answers:
 *
 * - `GET /orders`: `200 { version, orders: [{ id, <columns> }] }`, the newest 20 rows of table `orders`, selecting
 *   exactly the version's columns;
 * - `POST /orders` (optional JSON body of column values): inserts one row into the version's columns, answers
 *   `201 { version, order }`;
 * - a database error: `500 { version, error }` (PostgreSQL's message, e.g. `column "item" does not exist`).
 *
 * The endpoint never creates the table: that is a migration's job (the service's `preDeployCommand`). Connections
 * come from a small pool with timeouts; idle ones close on their own, so a retired version leaves none behind.
 */
export class OrdersEndpoint {
  private readonly pool?: Pool;
  private readonly problem?: string;
  private readonly columns: string[];

  constructor(
    databaseUrl: string,
    columnsList: string,
    private readonly version: string,
  ) {
    this.columns = columnsList
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean);
    const bad = this.columns.find((c) => !IDENT.test(c) || c === "id");
    if (!this.columns.length || bad !== undefined) {
      this.problem = `${ORDERS_COLUMNS_ENV} must list column names (lowercase letters, digits, _; not id) separated by commas${bad !== undefined ? `; "${bad.slice(0, 64)}" is not one` : ""}`;
      return;
    }
    this.pool = new Pool({
      connectionString: databaseUrl,
      max: 4,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 2_000,
      query_timeout: 10_000,
      statement_timeout: 10_000,
      allowExitOnIdle: true,
    });
    // A dropped connection (database restart) must not crash the simulator; the next query reconnects.
    this.pool.on("error", () => undefined);
  }

  /** Answers a request for `/orders`. */
  handle(req: IncomingMessage, res: ServerResponse, instance: string): void {
    void this.answer(req, res).then(
      ([status, body]) => reply(res, status, { version: this.version, ...body }, instance),
      (e: unknown) => reply(res, 500, { version: this.version, error: e instanceof Error ? e.message : String(e) }, instance),
    );
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<[number, Record<string, unknown>]> {
    if (!this.pool) {
      req.resume();
      return [500, { error: this.problem }];
    }
    const list = this.columns.map((c) => `"${c}"`).join(", ");
    if (req.method === "GET" || req.method === "HEAD") {
      req.resume();
      const r = await this.pool.query(`SELECT id, ${list} FROM orders ORDER BY id DESC LIMIT ${PAGE}`);
      return [200, { orders: r.rows }];
    }
    if (req.method === "POST") {
      const body = await readJson(req);
      if (typeof body === "string") return [400, { error: body }];
      const values = this.columns.map((c) => (typeof body[c] === "string" ? (body[c] as string) : `${c}-${Date.now().toString(36)}`));
      const params = this.columns.map((_, i) => `$${i + 1}`).join(", ");
      const r = await this.pool.query(`INSERT INTO orders (${list}) VALUES (${params}) RETURNING id, ${list}`, values);
      return [201, { order: r.rows[0] }];
    }
    req.resume();
    res.setHeader("Allow", "GET, HEAD, POST");
    return [405, { error: "method not allowed: use GET or POST" }];
  }
}

/** The endpoint for a deploy's env, when it asks for one. */
export function ordersEndpointFor(env: Record<string, string>, version: string): OrdersEndpoint | undefined {
  const columns = env[ORDERS_COLUMNS_ENV];
  const url = env.DATABASE_URL;
  return columns !== undefined && url ? new OrdersEndpoint(url, columns, version) : undefined;
}

/** The request's JSON object (empty body: `{}`), or a message saying what is wrong with it. */
function readJson(req: IncomingMessage): Promise<Record<string, unknown> | string> {
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("error", () => resolve("the request body could not be read"));
    req.on("end", () => {
      if (size > MAX_BODY) return resolve(`the body must be at most ${MAX_BODY} bytes`);
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (!text) return resolve({});
      try {
        const v: unknown = JSON.parse(text);
        resolve(v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : "the body must be a JSON object of column values");
      } catch {
        resolve("the body must be JSON");
      }
    });
  });
}

function reply(res: ServerResponse, status: number, value: unknown, instance: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": body.length, "x-sim-instance": instance });
  res.end(body);
}

import { Client } from "pg";

/** Runs one query on a fresh connection (closed afterwards) and returns its rows: for tests and benches that check data. */
export async function sql(url: string, text: string, opts: { statementTimeoutMs?: number } = {}): Promise<Array<Record<string, unknown>>> {
  const c = new Client({ connectionString: url, ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}) });
  c.on("error", () => undefined);
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

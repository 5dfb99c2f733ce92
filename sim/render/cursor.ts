import { createHash } from "node:crypto";
import { ApiError } from "./errors";

/**
 * Render's list cursors: URL-safe base64 of 24 bytes, 8 opaque bytes (the same for one list) followed by the last
 * 16 characters of the row's xid (cassette-notes §1). `scope` names the list, e.g. `envs:srv-…`.
 */
export function makeCursor(scope: string, rowId: string): string {
  const prefix = createHash("sha256").update(scope).digest().subarray(0, 8);
  const core = rowId.replace(/-[ab]$/, "");
  const tail = Buffer.from(core.slice(-16), "latin1");
  return Buffer.concat([prefix, tail]).toString("base64url");
}

/** The 16-character xid tail inside a cursor; throws Render's 400 for malformed cursors. */
export function cursorTail(cursor: string): string {
  const raw = Buffer.from(cursor, "base64url");
  if (raw.length !== 24 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new ApiError(400, `invalid cursor: ${JSON.stringify(cursor)}`);
  }
  return raw.subarray(8).toString("latin1");
}

/** Parsed `limit` (default 20, Render allows 1..100). */
export function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 20;
  if (!/^\d+$/.test(raw)) throw new ApiError(400, `invalid limit ${JSON.stringify(raw)}: must be an integer between 1 and 100`);
  const n = Number(raw);
  if (n < 1 || n > 100) throw new ApiError(400, `invalid limit ${n}: must be between 1 and 100`);
  return n;
}

/**
 * One page of `rows` (already in list order) after `cursor`: `[{cursor, <key>: item}]`. Unknown cursors yield an
 * empty page, which is how a client walking with the last cursor learns it reached the end.
 */
export function paginate<T>(rows: T[], idOf: (row: T) => string, scope: string, query: URLSearchParams, wrap: (cursor: string, row: T) => unknown): unknown[] {
  const limit = parseLimit(query.get("limit") ?? undefined);
  const cursor = query.get("cursor");
  let start = 0;
  if (cursor) {
    const tail = cursorTail(cursor);
    const idx = rows.findIndex((r) =>
      idOf(r)
        .replace(/-[ab]$/, "")
        .endsWith(tail),
    );
    start = idx < 0 ? rows.length : idx + 1;
  }
  return rows.slice(start, start + limit).map((r) => wrap(makeCursor(scope, idOf(r)), r));
}

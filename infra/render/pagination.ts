/**
 * Cursor pagination as Render does it: every list item carries a `cursor`; ask again with `cursor=<last item's
 * cursor>` until a page comes back shorter than the limit (or empty).
 */

/** Fetches one page given the cursor to continue after (undefined for the first page). */
export type PageFetcher<W extends { cursor: string }> = (cursor: string | undefined, limit: number) => Promise<W[]>;

/** Options for {@link paginate}. */
export interface PaginateOptions {
  /** Page size sent as `limit` (Render allows 1..100). */
  limit?: number;
  /** Safety stop so a server bug that repeats a cursor cannot loop forever. */
  maxPages?: number;
}

/** Walks all pages and returns every wrapped item in order. */
export async function paginate<W extends { cursor: string }>(fetchPage: PageFetcher<W>, opts: PaginateOptions = {}): Promise<W[]> {
  const limit = opts.limit ?? 100;
  const maxPages = opts.maxPages ?? 1000;
  const all: W[] = [];
  let cursor: string | undefined;
  const seen = new Set<string>();
  for (let page = 0; page < maxPages; page++) {
    const items = await fetchPage(cursor, limit);
    all.push(...items);
    if (items.length < limit || items.length === 0) return all;
    const next = items[items.length - 1].cursor;
    if (seen.has(next)) throw new Error(`pagination: cursor repeated (${next.slice(0, 8)}…); stopping`);
    seen.add(next);
    cursor = next;
  }
  throw new Error(`pagination: more than ${maxPages} pages; stopping`);
}

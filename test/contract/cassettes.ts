import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import YAML from "yaml";

/**
 * Where Render's recorded traffic lives (override with `RENDER_CASSETTES`): vendored from
 * shared/render-api/cassettes so a clean checkout needs nothing outside the repo.
 */
export const CASSETTE_DIR = process.env.RENDER_CASSETTES ?? join(__dirname, "render-cassettes");

/** One recorded request/response pair of a go-vcr v2 cassette. */
export interface Interaction {
  index: number;
  method: string;
  /** Path below `/v1`, without the query string. */
  path: string;
  query: URLSearchParams;
  body: string;
  code: number;
  responseBody: string;
  headers: Record<string, string[]>;
  /** Response `Date` header in epoch ms (1 s resolution). */
  at: number;
}

/** A cassette file and its interactions. */
export interface Cassette {
  name: string;
  interactions: Interaction[];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".yaml") ? [p] : [];
  });
}

/** Every cassette under {@link CASSETTE_DIR}, sorted by name. */
export function loadCassettes(): Cassette[] {
  return walk(CASSETTE_DIR)
    .sort()
    .map((file) => {
      const doc = YAML.parse(readFileSync(file, "utf8")) as { interactions: any[] };
      return {
        name: relative(CASSETTE_DIR, file),
        interactions: doc.interactions.map((i: any, index: number) => {
          const url = new URL(i.request.url);
          return {
            index,
            method: i.request.method,
            path: url.pathname.replace(/^\/v1/, ""),
            query: url.searchParams,
            body: i.request.body ?? "",
            code: i.response.code,
            responseBody: (i.response.body ?? "").trim(),
            headers: i.response.headers ?? {},
            at: Date.parse(i.response.headers?.Date?.[0] ?? "") || 0,
          };
        }),
      };
    });
}

import type { IncomingMessage, ServerResponse } from "node:http";

/** What answers a service's requests behind its front: a synthetic app, a static site or proxied child processes. */
export interface Backend {
  /** Answers one request; `path` is `req.url` without its query. Must end `res`. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
  /** Instances serving right now (for the instance-count metric). */
  readonly instanceCount: number;
}

const TEXT = { "Content-Type": "text/plain; charset=utf-8" } as const;

/** Answers a plain-text error, as Render's edge does for its own errors. */
export function plainError(res: ServerResponse, status: number, text: string, routing?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${text}\n`;
  res.writeHead(
    status,
    routing ? { ...TEXT, "Content-Length": Buffer.byteLength(body), "x-render-routing": routing } : { ...TEXT, "Content-Length": Buffer.byteLength(body) },
  );
  res.end(body);
}

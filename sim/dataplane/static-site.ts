import type { IncomingMessage, ServerResponse } from "node:http";
import type { Backend } from "./backend";
import { versionOf } from "./synthetic";
import type { ServiceRuntimeSpec } from "./types";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A static site's published files, as the simulator models them: one `index.html` naming the deploy, served for
 * every path (a single-page app's rewrite rule), so a test can tell which deploy is live from any URL.
 */
export class StaticSiteBackend implements Backend {
  private readonly body: Buffer;
  private readonly headers: Record<string, string | number>;
  readonly instanceCount = 1;

  constructor(spec: ServiceRuntimeSpec) {
    const version = versionOf(spec);
    const html = [
      "<!doctype html>",
      `<html><head><meta charset="utf-8"><title>${escapeHtml(spec.name)}</title>`,
      `<meta name="sim-version" content="${escapeHtml(version)}"><meta name="sim-deploy" content="${escapeHtml(spec.deployId)}">`,
      `${spec.commit ? `<meta name="sim-commit" content="${escapeHtml(spec.commit)}">` : ""}</head>`,
      `<body><h1>${escapeHtml(spec.name)}</h1><p>version ${escapeHtml(version)}, deploy ${escapeHtml(spec.deployId)}${spec.commit ? `, commit ${escapeHtml(spec.commit)}` : ""}</p></body></html>`,
      "",
    ].join("\n");
    this.body = Buffer.from(html);
    this.headers = { "Content-Type": "text/html; charset=utf-8", "Content-Length": this.body.length, "Cache-Control": "public, max-age=0, must-revalidate" };
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    res.writeHead(200, this.headers);
    res.end(req.method === "HEAD" ? undefined : this.body);
  }
}

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../test/support/free-port";
import { findBinary, runReferenceProxy, type ReferenceProxy } from "./reference-proxy";

/** A reference HAProxy in front of one upstream (Debian's haproxy; `apt-get install -y haproxy`). */
export type HaproxyProxy = ReferenceProxy;

/**
 * Runs HAProxy in the foreground, configured like the edge and the nginx reference: one thread (the edge is one
 * Node process), HTTP mode with keep-alive to the upstream (`http-reuse always`), X-Forwarded-For added, no log.
 * The data point for the data-plane decision (docs/decisions/edge-data-plane.md).
 */
export async function startHaproxy(upstream: string): Promise<HaproxyProxy | undefined> {
  const bin = findBinary("haproxy");
  if (!bin) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-haproxy-"));
  const port = await freePort();
  const u = new URL(upstream);
  const conf = `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 30s
  timeout client 65s
  timeout server 30s
  timeout http-keep-alive 65s
  option forwardfor
  http-reuse always
frontend edge
  bind 127.0.0.1:${port}
  default_backend slot
backend slot
  server blue ${u.hostname}:${u.port}
`;
  fs.writeFileSync(path.join(dir, "haproxy.cfg"), conf);
  const version = (spawnSync(bin, ["-v"], { encoding: "utf8" }).stdout.split("\n")[0] ?? "haproxy").trim();
  // SIGUSR1: HAProxy's soft stop (finish what is in flight).
  return runReferenceProxy({ name: "haproxy", bin, args: ["-db", "-f", path.join(dir, "haproxy.cfg")], dir, port, version, stopSignal: "SIGUSR1" });
}

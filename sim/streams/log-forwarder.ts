import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import * as tls from "node:tls";
import type { SimApp } from "../app";
import type { ServiceRec } from "../domain/services";

/** A workspace's log stream and a resource's override, as the API stores them (tokens are secret). */
interface OwnerStream {
  endpoint: string;
  preview: string;
  token?: string;
}
interface ResourceOverride {
  resourceId: string;
  setting: "send" | "drop";
  endpoint: string;
  token?: string;
}

/** How often the services' logs are read for new lines (scaled; Render streams within seconds). */
const POLL_SECONDS = 2;
/** At most this much of a log is read per poll and service (a burst is sent over several polls). */
const MAX_READ = 256 * 1024;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Forwards what the data plane's apps log to each workspace's log stream, as Render does: syslog (RFC 5424, octet
 * counting, RFC 5425) over TLS to the stream's `endpoint` (`host:port`), one message per line, `HOSTNAME` = the
 * service id, `APP-NAME` = the service name, the stream's token in the structured data (`[render token="…"]`, so a
 * collector can authenticate the sender). A resource override with `setting: "drop"` keeps a service out; one with
 * `send` and an endpoint sends it there instead. It reads the data plane's service logs, which are already
 * redacted (`sim/dataplane/redact.ts`: values of secret-looking env vars and secret files never reach them), so
 * nothing more secret than the log file leaves the simulator. Lines logged before the stream was set are not sent
 * (a service created after it is streamed from its first line).
 * `extraCa`: certificates to trust besides the system's (the local collector's self-signed one).
 */
export class LogForwarder {
  private timer: NodeJS.Timeout | undefined;
  private readonly offsets = new Map<string, number>();
  private readonly sockets = new Map<string, tls.TLSSocket>();
  private busy = false;
  /** Lines sent and send failures (for tests). */
  sent = 0;
  failures = 0;

  constructor(
    private readonly app: SimApp,
    private readonly logDir: string,
    private readonly extraCa: string[] = [],
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), Math.max(50, this.app.scaled(POLL_SECONDS)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.sockets.values()) s.destroy();
    this.sockets.clear();
  }

  /** One pass over every service with a destination (also called by tests). */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      let services: ServiceRec[];
      let owners: Map<string, OwnerStream>;
      let overrides: Map<string, ResourceOverride>;
      try {
        services = this.app.store.list<ServiceRec>("service").map((s) => s.data);
        owners = new Map(this.app.store.list<OwnerStream>("ownerLogStream").map((r) => [r.id, r.data]));
        overrides = new Map(this.app.store.list<ResourceOverride>("logStream").map((r) => [r.id, r.data]));
      } catch {
        return; // the store is closed: the simulator is stopping
      }
      for (const svc of services) {
        const o = overrides.get(svc.id);
        const stream = owners.get(svc.ownerId);
        const dest =
          o?.setting === "drop"
            ? undefined
            : o?.endpoint
              ? { endpoint: o.endpoint, token: o.token }
              : stream?.endpoint
                ? { endpoint: stream.endpoint, token: stream.token }
                : undefined;
        const lines = this.newLines(svc.id, dest !== undefined);
        if (!dest || !lines.length) continue;
        await this.send(
          dest.endpoint,
          lines.map((l) => this.frame(svc, l, dest.token)),
        );
      }
    } finally {
      this.busy = false;
    }
  }

  /** New complete lines of a service's log since the last poll; without a destination only the offset moves. */
  private newLines(serviceId: string, wanted: boolean): string[] {
    const file = join(this.logDir, `${serviceId}.log`);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return [];
    }
    let from = this.offsets.get(serviceId);
    // A log first seen while streamed is new (every log is watched from the start): send it from its beginning.
    // Nothing wanted, or a rotated log: move to its end (lines from before the stream was set are not streamed).
    if (from === undefined && wanted) from = 0;
    if (from === undefined || !wanted || size < from) {
      this.offsets.set(serviceId, size);
      return [];
    }
    if (size === from) return [];
    const len = Math.min(size - from, MAX_READ);
    const buf = Buffer.alloc(len);
    const fd = openSync(file, "r");
    try {
      readSync(fd, buf, 0, len, from);
    } finally {
      closeSync(fd);
    }
    const text = buf.toString("utf8");
    const end = text.lastIndexOf("\n");
    if (end < 0) return [];
    this.offsets.set(serviceId, from + Buffer.byteLength(text.slice(0, end + 1)));
    return text
      .slice(0, end)
      .split("\n")
      .filter((l) => l.length > 0);
  }

  private frame(svc: ServiceRec, line: string, token: string | undefined): Buffer {
    // The data plane's line: "<ISO time> <instance> <channel>: <text>".
    const m = /^(\S+) (\S+) (\S+): ([\s\S]*)$/.exec(line);
    const time = m?.[1] ?? new Date().toISOString();
    const instance = m?.[2] ?? "-";
    const severity = m?.[3] === "stderr" ? 3 : 6;
    const sd = token ? `[render token="${token.replace(/["\\\]]/g, (c) => `\\${c}`)}"]` : "-";
    const name = svc.name.replace(/\s+/g, "-").slice(0, 48) || "-";
    const msg = `<${8 + severity}>1 ${time} ${svc.id} ${name} ${instance.slice(0, 128)} - ${sd} ${m?.[4] ?? line}`;
    const body = Buffer.from(msg, "utf8");
    return Buffer.concat([Buffer.from(`${body.length} `, "ascii"), body]);
  }

  private async connect(endpoint: string): Promise<tls.TLSSocket> {
    const open = this.sockets.get(endpoint);
    if (open && !open.destroyed && open.writable) return open;
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(endpoint);
    if (!m) throw new Error(`log stream endpoint ${JSON.stringify(endpoint)} is not host:port`);
    const host = m[1]!;
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect(
        {
          host,
          port: Number(m[2]),
          servername: /^[\d.]+$|:/.test(host) ? undefined : host,
          ca: this.extraCa.length ? [...tls.rootCertificates, ...this.extraCa] : undefined,
          timeout: CONNECT_TIMEOUT_MS,
        },
        () => resolve(s),
      );
      s.once("error", reject);
      s.once("timeout", () => s.destroy(new Error("connect timeout")));
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.sockets.delete(endpoint));
    this.sockets.set(endpoint, socket);
    return socket;
  }

  private async send(endpoint: string, frames: Buffer[]): Promise<void> {
    try {
      const s = await this.connect(endpoint);
      await new Promise<void>((resolve, reject) => s.write(Buffer.concat(frames), (e) => (e ? reject(e) : resolve())));
      this.sent += frames.length;
    } catch {
      // A stream that cannot be reached loses these lines, as a log stream would; the next poll tries again.
      this.failures++;
    }
  }
}

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as tls from "node:tls";

/** Messages kept in memory (the newest); the collector is a test and inspection aid, not storage. */
const MAX_MESSAGES = 10_000;
/** Longest syslog frame accepted (RFC 5425 suggests at least 2 KiB; Render's lines are shorter than this). */
const MAX_FRAME = 64 * 1024;

/** One received syslog message: the raw RFC 5424 text and its parsed parts. */
export interface CollectedMessage {
  raw: string;
  /** `APP-NAME` (Render: the service's name). */
  app: string;
  /** `HOSTNAME` (Render: the service id). */
  host: string;
  /** The free-text message after the structured data. */
  message: string;
  receivedAt: number;
}

/** A self-signed certificate for 127.0.0.1/localhost, made once per state directory with the system's openssl. */
function certificate(dir: string): { key: string; cert: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "3650",
        "-subj",
        "/CN=stackguard-sim-log-collector",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        keyFile,
        "-out",
        certFile,
      ],
      { stdio: "ignore", timeout: 20_000 },
    );
  }
  return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8") };
}

/** Parses `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG` (RFC 5424); structured data may be `-` or `[...]`. */
function parseSyslog(raw: string): Omit<CollectedMessage, "receivedAt"> {
  const m = /^<\d{1,3}>1 \S+ (\S+) (\S+) \S+ \S+ (-|(?:\[(?:[^\]\\]|\\.)*\])+) ?([\s\S]*)$/.exec(raw);
  return m ? { raw, host: m[1]!, app: m[2]!, message: m[4]! } : { raw, host: "", app: "", message: raw };
}

/**
 * The embedded Render's local log collector: a syslog-over-TLS server (RFC 5425 octet-counted frames, RFC 5424
 * messages, the transport Render's log streams use) on 127.0.0.1 with a self-signed certificate. Point a workspace's
 * log stream at its `endpoint` (`PUT /logs/streams/owner/{ownerId}`) and the simulator forwards its services' logs
 * to it, as Render does; tests read what arrived with `messages()`.
 */
export class LogCollector {
  private server: tls.Server | undefined;
  private readonly received: CollectedMessage[] = [];
  private readonly sockets = new Set<tls.TLSSocket>();
  /** The PEM certificate clients must trust (self-signed). */
  readonly cert: string;
  private readonly key: string;
  port = 0;

  constructor(stateDir: string) {
    const c = certificate(join(stateDir, "log-collector"));
    this.cert = c.cert;
    this.key = c.key;
  }

  /** `host:port`, as Render's log stream `endpoint` is written. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  messages(): CollectedMessage[] {
    return [...this.received];
  }

  async start(): Promise<void> {
    const server = tls.createServer({ key: this.key, cert: this.cert, minVersion: "TLSv1.2" }, (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.setTimeout(120_000, () => socket.destroy());
      socket.on("error", () => undefined);
      let buf = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        // Octet counting: "<length> <message>".
        for (;;) {
          const sp = buf.indexOf(0x20);
          if (sp < 0) {
            if (buf.length > 10) socket.destroy();
            return;
          }
          const len = Number(buf.subarray(0, sp).toString("ascii"));
          if (!Number.isInteger(len) || len <= 0 || len > MAX_FRAME) return void socket.destroy();
          if (buf.length < sp + 1 + len) return;
          const raw = buf.subarray(sp + 1, sp + 1 + len).toString("utf8");
          buf = buf.subarray(sp + 1 + len);
          this.received.push({ ...parseSyslog(raw), receivedAt: Date.now() });
          if (this.received.length > MAX_MESSAGES) this.received.splice(0, this.received.length - MAX_MESSAGES);
        }
      });
    });
    server.on("tlsClientError", () => undefined);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    const closed = new Promise<void>((r) => s.close(() => r()));
    for (const sock of this.sockets) sock.destroy();
    await closed;
  }
}

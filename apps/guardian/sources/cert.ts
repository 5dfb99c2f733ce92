import * as tls from "node:tls";
import type { AlertRule } from "../../../infra/alerts/rule";
import type { SignalName } from "../../../infra/alerts/signals";
import { seriesKey, type SeriesStore } from "../series";
import { targetsOf, type Redactor, type SignalSource } from "./source";

/** Days until the certificate served for `domain` expires (a TLS handshake on port 443 with SNI; no request). */
export function certificateDaysLeft(domain: string, opts: { port?: number; timeoutMs: number; now?: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: domain, port: opts.port ?? 443, servername: domain, rejectUnauthorized: false, timeout: opts.timeoutMs });
    const fail = (e: Error) => {
      socket.destroy();
      reject(e);
    };
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert?.valid_to) return reject(new Error(`${domain} sent no certificate`));
      resolve((Date.parse(cert.valid_to) - (opts.now ?? Date.now())) / 86_400_000);
    });
    socket.once("timeout", () => fail(new Error(`TLS handshake with ${domain} timed out after ${opts.timeoutMs} ms`)));
    socket.once("error", (e: NodeJS.ErrnoException) => fail(new Error(`TLS handshake with ${domain} failed: ${e.code ?? e.message}`)));
  });
}

/** `cert.days_left` per domain, at most every `intervalMs` (certificates change on the scale of days). */
export class CertSource implements SignalSource {
  readonly name = "certificates";
  readonly signals: readonly SignalName[] = ["cert.days_left"];
  private lastAt = -Infinity;

  constructor(private readonly o: { intervalMs: number; timeoutMs: number; redact: Redactor; port?: number }) {}

  async collect(rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void> {
    if (!rules.length || now - this.lastAt < this.o.intervalMs) return;
    this.lastAt = now;
    await Promise.all(
      targetsOf(rules).map(async (domain) => {
        const key = seriesKey("cert.days_left", domain);
        try {
          store.add(key, { t: now, v: await certificateDaysLeft(domain!, { timeoutMs: this.o.timeoutMs, port: this.o.port, now }), n: 1 });
        } catch (e) {
          store.fail(key, this.o.redact((e as Error).message));
        }
      }),
    );
  }
}

import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { LineRedactor, redact } from "./redact";

/**
 * A service's log, `<stateDir>/logs/<serviceId>.log` (0600): its instances' stdout and stderr, line by line with a
 * timestamp and the instance id, plus the data plane's own events (starts, health, stops). Secret values are
 * redacted before anything reaches the file.
 */
export class ServiceLog {
  private readonly stream: WriteStream;
  readonly path: string;

  constructor(logDir: string, serviceId: string) {
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
    this.path = join(logDir, `${serviceId}.log`);
    this.stream = createWriteStream(this.path, { flags: "a", mode: 0o600 });
    this.stream.on("error", () => undefined);
  }

  /** Copies a child's output stream into the log, redacting `secrets`. */
  attach(source: Readable, instance: string, channel: "stdout" | "stderr", secrets: readonly string[]): void {
    source.setEncoding("utf8");
    const lines = new LineRedactor(secrets, (line) => this.line(instance, channel, line));
    source.on("data", (chunk: string) => lines.write(chunk));
    source.on("end", () => lines.end());
  }

  /** A data-plane event about an instance; `secrets` are redacted from it too (it may quote an error). */
  event(instance: string, message: string, secrets: readonly string[] = []): void {
    this.line(instance, "sim", redact(message, secrets));
  }

  private line(instance: string, channel: string, text: string): void {
    if (this.stream.writable) this.stream.write(`${new Date().toISOString()} ${instance} ${channel}: ${text}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}

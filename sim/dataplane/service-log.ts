import { createWriteStream, mkdirSync, renameSync, statSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { LineRedactor, redact } from "./redact";

/** Size at which a log is rotated to `<serviceId>.log.1` (one old file kept), so a chatty app cannot fill the disk. */
const MAX_LOG_BYTES = 32 * 1024 * 1024;

/**
 * A service's log, `<stateDir>/logs/<serviceId>.log` (0600): its instances' stdout and stderr, line by line with a
 * timestamp and the instance id, plus the data plane's own events (starts, health, stops). Secret values are
 * redacted before anything reaches the file.
 */
export class ServiceLog {
  private stream: WriteStream;
  private bytes: number;
  readonly path: string;

  constructor(logDir: string, serviceId: string) {
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
    this.path = join(logDir, `${serviceId}.log`);
    let size = 0;
    try {
      size = statSync(this.path).size;
    } catch {
      // A new log.
    }
    this.bytes = size;
    this.stream = this.open();
  }

  private open(): WriteStream {
    const s = createWriteStream(this.path, { flags: "a", mode: 0o600 });
    // A log that cannot be written must not take the simulator down; the service keeps running.
    s.on("error", () => undefined);
    return s;
  }

  /** Copies a child's output stream into the log, redacting `secrets`; `onLine` sees each line once redacted. */
  attach(source: Readable, instance: string, channel: "stdout" | "stderr", secrets: readonly string[], onLine?: (line: string) => void): void {
    source.setEncoding("utf8");
    const lines = new LineRedactor(secrets, (line) => {
      this.line(instance, channel, line);
      onLine?.(line);
    });
    source.on("data", (chunk: string) => lines.write(chunk));
    source.on("end", () => lines.end());
  }

  /** A data-plane event about an instance; `secrets` are redacted from it too (it may quote an error). */
  event(instance: string, message: string, secrets: readonly string[] = []): void {
    this.line(instance, "sim", redact(message, secrets));
  }

  private line(instance: string, channel: string, text: string): void {
    if (!this.stream.writable) return;
    const line = `${new Date().toISOString()} ${instance} ${channel}: ${text}\n`;
    this.bytes += Buffer.byteLength(line);
    this.stream.write(line);
    if (this.bytes > MAX_LOG_BYTES) {
      // The old stream finishes writing into the renamed file; new lines go to a fresh one.
      this.stream.end();
      renameSync(this.path, `${this.path}.1`);
      this.stream = this.open();
      this.bytes = 0;
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}

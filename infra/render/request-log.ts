import { appendFileSync } from "fs";
import { redact } from "../redact";

/** One attempt of one API call, as logged. No headers, no bodies, no query values: nothing that can hold a secret. */
export interface RequestLogEntry {
  /** Upper-case HTTP method. */
  method: string;
  /** Path relative to the API base, query string removed. */
  path: string;
  /** HTTP status, 0 when no response arrived. */
  status: number;
  /** Wall time of this attempt, ms. */
  ms: number;
  /** 1 for the first try, 2 for the first retry… */
  attempt: number;
  /** Set when the attempt failed without a response or the client gave up; redacted (infra/redact). */
  error?: string;
}

/** Aggregate counts, for benchmarks and tests ("how many calls did a `read` cost?"). */
export interface RequestCounts {
  /** Every attempt, retries included. */
  attempts: number;
  /** Logical calls (first attempts only). */
  calls: number;
  reads: number;
  writes: number;
  retries: number;
  byRoute: Record<string, number>;
}

type Sink = (e: RequestLogEntry) => void;

/**
 * Process-wide request log: keeps the last entries in memory, counts calls, and appends JSON lines to the file named
 * by `STACKGUARD_RENDER_REQUEST_LOG` when set (so a benchmark can count what a Pulumi provider process did).
 */
class RequestLog {
  private entries: RequestLogEntry[] = [];
  private counts: RequestCounts = emptyCounts();
  private readonly sinks = new Set<Sink>();
  private static readonly KEEP = 2000;

  record(entry: RequestLogEntry, route: string): void {
    // Callers redact their error text already; redacting again here means no entry (kept, written to the file or
    // passed to a listener) can ever carry a credential, whoever records it.
    const e: RequestLogEntry = entry.error === undefined ? entry : { ...entry, error: redact(entry.error) };
    this.entries.push(e);
    if (this.entries.length > RequestLog.KEEP) this.entries.splice(0, this.entries.length - RequestLog.KEEP);
    this.counts.attempts += 1;
    if (e.attempt === 1) {
      this.counts.calls += 1;
      if (e.method === "GET") this.counts.reads += 1;
      else this.counts.writes += 1;
      const k = `${e.method} ${route}`;
      this.counts.byRoute[k] = (this.counts.byRoute[k] ?? 0) + 1;
    } else {
      this.counts.retries += 1;
    }
    const file = process.env.STACKGUARD_RENDER_REQUEST_LOG;
    if (file) {
      try {
        appendFileSync(file, JSON.stringify({ ...e, pid: process.pid }) + "\n");
      } catch {
        // A broken log file must not break infrastructure changes.
      }
    }
    for (const s of this.sinks) s(e);
  }

  /** Copy of the retained entries, oldest first. */
  list(): RequestLogEntry[] {
    return [...this.entries];
  }

  /** Copy of the counters. */
  stats(): RequestCounts {
    return { ...this.counts, byRoute: { ...this.counts.byRoute } };
  }

  /** Clears entries and counters (tests and benchmarks call this between phases). */
  reset(): void {
    this.entries = [];
    this.counts = emptyCounts();
  }

  /** Adds a listener for every entry; returns the function that removes it. */
  subscribe(s: Sink): () => void {
    this.sinks.add(s);
    return () => this.sinks.delete(s);
  }
}

function emptyCounts(): RequestCounts {
  return { attempts: 0, calls: 0, reads: 0, writes: 0, retries: 0, byRoute: {} };
}

/** The process's request log and counter. */
export const requestLog = new RequestLog();

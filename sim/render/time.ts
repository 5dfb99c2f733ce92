/**
 * Render's timestamps: RFC 3339 UTC with trailing fractional zeros trimmed (Go's RFC3339Nano). Objects are stored
 * with nanosecond precision; create responses of some kinds echo all 9 digits, every later read shows microseconds
 * (rounded), as recorded (cassette-notes §2).
 */

let lastNs = 0n;

/** Now, in nanoseconds since the epoch, strictly increasing within this process. */
export function nowNs(): bigint {
  const wall = BigInt(Date.now()) * 1_000_000n;
  const hr = process.hrtime.bigint() % 1_000_000n;
  let ns = wall + hr;
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  return ns;
}

function fmt(ns: bigint, digits: 9 | 6): string {
  const secs = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  let whole = secs;
  if (digits === 6) {
    let micros = (frac + 500n) / 1000n;
    if (micros >= 1_000_000n) {
      micros -= 1_000_000n;
      whole += 1n;
    }
    frac = micros * 1000n;
  }
  const base = new Date(Number(whole) * 1000).toISOString().slice(0, 19);
  const fracStr = frac.toString().padStart(9, "0").slice(0, digits).replace(/0+$/, "");
  return `${base}${fracStr ? "." + fracStr : ""}Z`;
}

/** A stored timestamp (decimal nanoseconds) rendered with 9 digits, trailing zeros trimmed. */
export function nanoStamp(ns: string | bigint): string {
  return fmt(BigInt(ns), 9);
}

/** A stored timestamp rendered with microsecond precision (rounded), trailing zeros trimmed. */
export function microStamp(ns: string | bigint): string {
  return fmt(BigInt(ns), 6);
}

/** A `Date` as stored nanoseconds. */
export function dateToNs(d: Date): string {
  return (BigInt(d.getTime()) * 1_000_000n).toString();
}

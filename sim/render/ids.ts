import { randomBytes } from "node:crypto";

/**
 * Render ids are `<prefix>-<xid>`: a 20-character xid (github.com/rs/xid) in the alphabet `0-9a-v`, whose first
 * 4 bytes are the creation time in Unix seconds (cassette-notes §1). Postgres ids carry a `-a`/`-b` suffix.
 */
const ALPHABET = "0123456789abcdefghijklmnopqrstuv";
const machine = randomBytes(3);
const pid = process.pid & 0xffff;
let counter = randomBytes(3).readUIntBE(0, 3);

/** A new 20-character xid for `when` (defaults to now). */
export function xid(when: Date = new Date()): string {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(Math.floor(when.getTime() / 1000) >>> 0, 0);
  machine.copy(b, 4);
  b.writeUInt16BE(pid, 7);
  counter = (counter + 1) & 0xffffff;
  b.writeUIntBE(counter, 9, 3);
  return encode(b);
}

function encode(id: Buffer): string {
  // xid's base32hex encoding of 12 bytes into 20 characters (5 bits at a time, last 4 bits padded).
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of id) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes the creation time of an xid-based id (any prefix/suffix), or undefined when it is not one. */
export function xidTime(id: string): Date | undefined {
  const m = /^[a-z]+-([0-9a-v]{20})(?:-[ab])?$/.exec(id);
  if (!m) return undefined;
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const ch of m[1]) {
    value = ((value << 5) | ALPHABET.indexOf(ch)) & 0xffffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Date(Buffer.from(bytes.slice(0, 4)).readUInt32BE(0) * 1000);
}

/** Id prefixes by object kind, as recorded. */
const ID_PREFIX = {
  service: "srv",
  cronJob: "crn",
  deploy: "dep",
  envGroup: "evg",
  postgres: "dpg",
  customDomain: "cdm",
  project: "prj",
  environment: "evm",
  owner: "tea",
  disk: "dsk",
  header: "hdr",
  route: "rdr",
  export: "exp",
  keyValue: "red",
  webhook: "whk",
  dedicatedIp: "egs",
  cronRun: "crr",
  event: "evt",
  row: "row",
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/** A new id of `kind`; Postgres primaries get the `-a` suffix. */
export function newId(kind: IdKind, when?: Date): string {
  const id = `${ID_PREFIX[kind]}-${xid(when)}`;
  return kind === "postgres" ? `${id}-a` : id;
}

/** `n` random characters of `[a-z0-9]`, as in worker slugs (`background-worker-q9lm`). */
export function randomSuffix(n = 4): string {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(n);
  let s = "";
  for (const b of bytes) s += chars[b % chars.length];
  return s;
}

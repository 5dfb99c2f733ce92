import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { PushSigner } from "./peers";

/** The header that carries a push's signature: `t=<ms since epoch>,v1=<hex HMAC-SHA256>`. */
export const PEER_SIGNATURE_HEADER = "x-edge-peer-signature";

/** How far a signature's time may be from this instance's clock (a replay outside it is refused outright). */
const MAX_SKEW_MS = 5 * 60_000;

/**
 * The key peers sign state pushes with: `EDGE_PEER_KEY` when set (a secret of its own, so that holding the admin
 * token is not enough to push state), else one derived from the admin token with HKDF (older stacks; the README
 * says why that is weaker). Never the admin token itself.
 */
export function peerKeyFrom(configured: string | undefined, adminToken: string): { key: Buffer; source: "configured" | "derived" } {
  if (configured) return { key: Buffer.from(configured, "utf8"), source: "configured" };
  return { key: Buffer.from(hkdfSync("sha256", adminToken, "stackguard-edge", "peer-push-v1", 32)), source: "derived" };
}

function mac(key: Buffer, t: string, body: string | Buffer): Buffer {
  return createHmac("sha256", key).update(`${t}.`).update(body).digest();
}

/** Signs pushes with `key`. */
export function hmacSigner(key: Buffer, now: () => number = Date.now): PushSigner {
  return {
    headers(body) {
      const t = String(now());
      return { [PEER_SIGNATURE_HEADER]: `t=${t},v1=${mac(key, t, body).toString("hex")}` };
    },
    verify(header, body) {
      return verifyPush(key, header ?? undefined, Buffer.from(body, "utf8"), now()) === undefined;
    },
  };
}

/**
 * Checks a push's signature over the exact body bytes; returns why it is refused, or undefined. Constant-time
 * comparison; the reason never echoes the key or the expected signature.
 */
export function verifyPush(key: Buffer, header: string | string[] | undefined, body: Buffer, now: number = Date.now()): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  const m = /^t=(\d{1,16}),v1=([0-9a-f]{64})$/.exec(h ?? "");
  if (!m) return `missing or malformed ${PEER_SIGNATURE_HEADER} header (peers sign pushes with EDGE_PEER_KEY)`;
  if (Math.abs(now - Number(m[1])) > MAX_SKEW_MS) return "signature time is more than 5 minutes away from this instance's clock";
  const want = mac(key, m[1]!, body);
  const given = Buffer.from(m[2]!, "hex");
  return given.length === want.length && timingSafeEqual(given, want) ? undefined : "wrong signature (the peers' EDGE_PEER_KEY differ?)";
}

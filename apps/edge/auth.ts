import { createHash, timingSafeEqual } from "node:crypto";

/**
 * True when the Authorization header carries `Bearer <token>`. Both sides are hashed to a fixed length first, so
 * `timingSafeEqual` compares equal-length buffers and the time taken reveals neither the token nor its length.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([^\s]+)\s*$/i.exec(header ?? "");
  const given = createHash("sha256")
    .update(m ? m[1] : "\u0000")
    .digest();
  const want = createHash("sha256").update(token).digest();
  return timingSafeEqual(given, want) && m !== null;
}

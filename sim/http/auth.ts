import { timingSafeEqual } from "node:crypto";
import type http from "node:http";

/** The Bearer token of a request, or "" when there is none. */
export function bearerToken(req: http.IncomingMessage): string {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim() ?? "";
}

/** Constant-time comparison, so response timing does not reveal how much of a guessed key was right. */
export function keyMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

import { normalizeImage } from "../../../sim/domain/services";
import { cursorTail, makeCursor, parseLimit } from "../../../sim/render/cursor";
import { newId, xid, xidTime } from "../../../sim/render/ids";
import { microStamp, nanoStamp } from "../../../sim/render/time";

describe("Render id, time and cursor formats", () => {
  it("makes xid-based ids per kind whose first bytes decode to the creation time", () => {
    const at = new Date("2025-01-13T16:41:48Z");
    const id = newId("service", at);
    expect(id).toMatch(/^srv-[0-9a-v]{20}$/);
    expect(xidTime(id)?.toISOString()).toBe("2025-01-13T16:41:48.000Z");
    expect(newId("postgres")).toMatch(/^dpg-[0-9a-v]{20}-a$/);
    expect(newId("cronJob")).toMatch(/^crn-/);
    expect(new Set(Array.from({ length: 1000 }, () => xid())).size).toBe(1000);
  });

  it("decodes a recorded Render id to its recorded createdAt", () => {
    // srv-cu2k4j3qf0us73fbv7u0 was created at 2025-01-13T16:41:48Z (cassette-notes §1).
    expect(xidTime("srv-cu2k4j3qf0us73fbv7u0")?.toISOString()).toBe("2025-01-13T16:41:48.000Z");
  });

  it("trims trailing fractional zeros and rounds nanoseconds to microseconds on reads", () => {
    const ns = BigInt(Date.parse("2024-09-03T23:38:57Z")) * 1_000_000n + 785_441_951n;
    expect(nanoStamp(ns)).toBe("2024-09-03T23:38:57.785441951Z");
    expect(microStamp(ns)).toBe("2024-09-03T23:38:57.785442Z");
    const round = BigInt(Date.parse("2025-05-08T20:57:30Z")) * 1_000_000n + 370_960_000n;
    expect(microStamp(round)).toBe("2025-05-08T20:57:30.37096Z");
    expect(microStamp(BigInt(Date.parse("2025-05-08T20:57:30Z")) * 1_000_000n)).toBe("2025-05-08T20:57:30Z");
  });

  it("builds 24-byte URL-safe cursors ending in the row's xid tail, as recorded", () => {
    const c = makeCursor("services:x", "srv-cu2k4j3qf0us73fbv7u0");
    expect(Buffer.from(c, "base64url")).toHaveLength(24);
    expect(cursorTail(c)).toBe("4j3qf0us73fbv7u0");
    // The recorded cursor of that service decodes the same way.
    expect(cursorTail("-oJLKv3lnsg0ajNxZjB1czczZmJ2N3Uw")).toBe("4j3qf0us73fbv7u0");
    expect(() => cursorTail("not-a-cursor")).toThrow(/invalid cursor/);
  });

  it("parses limit within Render's 1..100", () => {
    expect(parseLimit(undefined)).toBe(20);
    expect(parseLimit("100")).toBe(100);
    expect(() => parseLimit("0")).toThrow(/between 1 and 100/);
    expect(() => parseLimit("abc")).toThrow(/integer/);
  });

  it("normalises image references like Docker and Render do", () => {
    expect(normalizeImage("nginx")).toBe("docker.io/library/nginx:latest");
    expect(normalizeImage("docker.io/library/redis:latest")).toBe("docker.io/library/redis:latest");
    expect(normalizeImage("stackguard/edge:1.2.3")).toBe("docker.io/stackguard/edge:1.2.3");
    expect(normalizeImage("ghcr.io/acme/app")).toBe("ghcr.io/acme/app:latest");
    expect(normalizeImage("localhost:5000/app@sha256:abc")).toBe("localhost:5000/app@sha256:abc");
  });
});

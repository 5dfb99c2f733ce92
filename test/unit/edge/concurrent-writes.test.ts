import * as fs from "node:fs";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import * as os from "node:os";
import * as path from "node:path";
import { spawnEdge, type EdgeProcess } from "../../support/edge-process";
import { admin, edgeEnv, slots, TOKEN } from "./helpers";

/**
 * Issue 12: a `pulumi up` creating the default rules and flags (many writes at once, spread over the edge's
 * instances by Render's load balancer) failed on a 2-instance edge, every write waiting for the other instance's
 * confirmation until the push timed out. Real edge processes sharing a state file and a peers directory, as the
 * simulator runs them; the clients use the providers' 15 s timeout and no retries, so a write that waits on the
 * other instance's lock fails here instead of being retried into success.
 */
type Slots = Awaited<ReturnType<typeof slots>>;
let s: Slots;
let dir: string;
const procs: EdgeProcess[] = [];

beforeAll(async () => {
  s = await slots("api");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-concurrent-"));
  // Production's drain timeout (5 s: a push waits up to 7 s per attempt) and a one-minute store poll, so agreement
  // within the test can only come from the pushes.
  const env = edgeEnv(s, {
    EDGE_STATE_FILE: path.join(dir, "state.json"),
    EDGE_PEERS_DIR: path.join(dir, "peers"),
    EDGE_DRAIN_TIMEOUT_MS: "5000",
    EDGE_SYNC_INTERVAL_MS: "60000",
  });
  procs.push(await spawnEdge(env), await spawnEdge(env));
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop(2_000)));
  await s.api.blue.close();
  await s.api.green.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rule = (i: number) => ({
  name: `rule-${i}`,
  signal: "api.error_rate" as const,
  target: "api",
  comparator: ">" as const,
  critical: { threshold: 0.05 + i / 1000 },
  severity: "ticket" as const,
  runbookUrl: `https://runbooks.example/rule-${i}`,
});
const flag = (i: number) => ({
  state: "ENABLED" as const,
  variants: { on: true, off: false },
  defaultVariant: "on",
  metadata: { kind: "release" as const, owner: "team-platform", createdAt: "2026-11-27", description: `flag ${i}` },
});

describe("concurrent admin writes on a 2-instance edge", () => {
  it("20 rule and 10 flag writes at once, spread over both instances, all succeed and both instances hold all of them", async () => {
    const started = Date.now();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      const base = procs[i % 2]!.url;
      writes.push(new EdgeAdminClient({ url: base, token: TOKEN, timeoutMs: 15_000, retries: 0 }).alerts.put(rule(i) as never));
    }
    for (let i = 0; i < 10; i++) {
      const base = procs[(i + 1) % 2]!.url;
      writes.push(new EdgeAdminClient({ url: base, token: TOKEN, timeoutMs: 15_000, retries: 0 }).flags.put(`flag-${i}`, flag(i)));
    }
    const results = await Promise.allSettled(writes);
    const ms = Date.now() - started;
    const failed = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
    console.log(`concurrent writes: ${writes.length} on 2 instances, ${failed.length} failed, ${ms} ms in all`);
    expect(failed).toEqual([]);

    // Right after the calls returned, both instances hold every rule and flag, and the same document as the store.
    for (const p of procs) {
      const rules = (await admin(p.url, "GET", "/__edge/alerts/rules")).body.rules.map((r: { name: string }) => r.name);
      expect(rules.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `rule-${i}`).sort());
      const flags = Object.keys((await admin(p.url, "GET", "/__edge/flags")).body.flags.flags);
      expect(flags.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `flag-${i}`).sort());
    }
    const [a, b] = await Promise.all(procs.map((p) => admin(p.url, "GET", "/__edge/internal/state")));
    expect(a.body.version).toBe(b.body.version);
    const stored = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8"));
    expect(Object.keys(stored.ext.alerts.rules)).toHaveLength(20);
    expect(Object.keys(stored.ext.flags.flags.flags)).toHaveLength(10);
    for (const p of procs) expect(p.logs()).not.toContain(TOKEN);
  });
});

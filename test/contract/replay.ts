import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../../sim";
import { SEED } from "../../sim/seed";
import type { Cassette, Interaction } from "./cassettes";
import { IdMap } from "./idmap";
import { shapeDiff, valueDiff } from "./shape";
import { validateAgainstSpec, warmUpValidators } from "./specvalidation";

/** Replay clock: the recording's timeline and the simulator's durations are both compressed by this factor. */
// 0.1 leaves the replay ~10 ms of slack per interaction even on a loaded 2-core machine: the private-service
// recording needs its creation deploy (30 s × scale) to still run when the deploy 16 s later is triggered.
export const TIME_SCALE = 0.1;

/**
 * Render's overlapping-deploy policy is a workspace setting without an API (changelog 2025-05-28): `override`
 * (default; a new deploy answers 201) or `wait` (a deploy triggered while another runs answers 202 Queued). A 202
 * is only possible under `wait`, so a cassette holding one was recorded in such a workspace (e.g. every
 * private-service deploy in the recordings); the replay configures the simulator's workspace the same way.
 */
export function recordedDeployPolicy(cassette: Cassette): "override" | "wait" {
  return cassette.interactions.some((i) => i.method === "POST" && /^\/services\/[^/]+\/deploys$/.test(i.path) && i.code === 202) ? "wait" : "override";
}

/** One interaction's verdict. */
export interface Verdict {
  index: number;
  request: string;
  recordedCode: number;
  code: number;
  problems: string[];
  specProblems: string[];
}

/** The outcome of replaying one cassette. */
export interface ReplayResult {
  cassette: string;
  total: number;
  matched: number;
  verdicts: Verdict[];
  /** Worst delay, in recorded seconds, between an interaction's due time and when it was sent. */
  maxLagRecordedSeconds: number;
  /** Interactions whose time-dependent values (`TIMED_KEYS`) were not compared because the replay lagged. */
  untimed: number;
}

/** Lag (recorded seconds) beyond which life-cycle states are not compared: the recorded margins are ≥ 4 s. */
export const MAX_TIMED_LAG_SECONDS = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function headerProblems(i: Interaction, res: Response): string[] {
  const out: string[] = [];
  for (const h of ["Ratelimit-Limit", "Ratelimit-Remaining", "Ratelimit-Reset"]) {
    const rec = i.headers[h];
    const got = res.headers.get(h);
    if (rec && got === null) out.push(`header ${h} missing`);
    if (rec && got !== null && got.split(",").length !== rec.length) out.push(`header ${h}: ${rec.length} value(s) recorded, got ${JSON.stringify(got)}`);
  }
  const limit = i.headers["Ratelimit-Limit"];
  if (limit && res.headers.get("Ratelimit-Limit") !== limit.join(", ")) {
    out.push(`Ratelimit-Limit ${JSON.stringify(res.headers.get("Ratelimit-Limit"))}, Render's bucket was ${limit.join(", ")}`);
  }
  if (!res.headers.get("Render-Request-Id")) out.push("header Render-Request-Id missing");
  const hadType = !!i.headers["Content-Type"];
  if (hadType !== (res.headers.get("Content-Type") !== null)) out.push(`Content-Type ${hadType ? "missing" : "present on an empty answer"}`);
  return out;
}

/** Replays every interaction of `cassette` against a fresh in-process simulator. */
export async function replayCassette(cassette: Cassette): Promise<ReplayResult> {
  warmUpValidators();
  const stateDir = mkdtempSync(join(tmpdir(), "sg-contract-"));
  // The API's contract is under test, on Render's timeline compressed by TIME_SCALE. A real PostgreSQL cluster takes
  // the host's own seconds to start (2–5 s on a loaded 2-core CI machine), which no time scale compresses, so with
  // real databases a Postgres would stay `creating` where Render's recording says `available`. The databases
  // themselves are tested for real elsewhere (test/integration/db-restore.test.ts, test/unit/sim/real-databases.test.ts).
  const sim = await startSimulator({ stateDir, timeScale: TIME_SCALE, rateLimit: "render", apiKey: "contract-test-key", realDatabases: false });
  const verdicts: Verdict[] = [];
  let maxLag = 0;
  let untimed = 0;
  try {
    const text = JSON.stringify(cassette.interactions.map((i) => [i.body, i.responseBody]));
    const aliases = ["some-owner-id", ...new Set(text.match(/tea-[a-z0-9]{20}/g) ?? [])];
    const ids = new IdMap(aliases, SEED.stagingOwner);
    const policy = recordedDeployPolicy(cassette);
    if (policy !== "override") {
      const r = await fetch(`${sim.url}/__sim/owners/${SEED.stagingOwner}/settings`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${sim.apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ overlappingDeployPolicy: policy }),
      });
      if (r.status !== 200) throw new Error(`could not set the deploy policy for ${cassette.name}: ${r.status}`);
    }
    // Each interaction is sent at its recorded offset, compressed by TIME_SCALE (never earlier; later when the
    // replay falls behind), so the simulator's scaled deploy and provisioning timers see Render's timeline.
    const t0 = cassette.interactions[0]?.at ?? 0;
    const start = Date.now();
    for (const i of cassette.interactions) {
      const due = start + Math.max(0, i.at - t0) * TIME_SCALE;
      if (due > Date.now()) await sleep(due - Date.now());
      const lag = (Date.now() - due) / TIME_SCALE / 1000;
      maxLag = Math.max(maxLag, lag);
      const timed = lag <= MAX_TIMED_LAG_SECONDS;
      if (!timed) untimed++;
      const path = ids.rewrite(i.path);
      const q = new URLSearchParams();
      for (const [k, v] of i.query) q.append(k, ids.rewrite(v));
      const qs = q.toString();
      const headers: Record<string, string> = { Authorization: `Bearer ${sim.apiKey}` };
      let body: string | undefined;
      if (i.body !== "") {
        body = JSON.stringify(ids.rewriteJson(JSON.parse(i.body)));
        headers["Content-Type"] = "application/json";
      }
      const res = await fetch(`${sim.apiUrl}${path}${qs ? `?${qs}` : ""}`, { method: i.method, headers, body });
      const actualText = await res.text();
      const recorded = parse(i.responseBody);
      const actual = parse(actualText);
      const problems: string[] = [];
      if (res.status !== i.code) problems.push(`status ${res.status}, Render answered ${i.code} (${actualText.slice(0, 200)})`);
      else problems.push(...shapeDiff(recorded, actual), ...valueDiff(recorded, actual, { timed }));
      problems.push(...headerProblems(i, res));
      ids.learn(recorded, actual);
      verdicts.push({
        index: i.index,
        request: `${i.method} ${i.path}${i.query.toString() ? "?" + i.query.toString() : ""}`,
        recordedCode: i.code,
        code: res.status,
        problems,
        specProblems: validateAgainstSpec(i.method, path, res.status, actual),
      });
    }
  } finally {
    await sim.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return {
    cassette: cassette.name,
    total: verdicts.length,
    matched: verdicts.filter((v) => v.problems.length === 0).length,
    verdicts,
    maxLagRecordedSeconds: Math.round(maxLag * 10) / 10,
    untimed,
  };
}

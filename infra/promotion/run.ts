import { EdgeAdminClient, EdgeAdminError, type EdgeStateView } from "../../apps/edge/client";
import type { Slot } from "../../apps/edge/config";
import { other } from "../../apps/edge/state";
import type { PromotionAnalysis } from "../config/schema";
import { canonicalImage } from "../providers/image-ref";
import type { RenderClient } from "../render/client";
import type { Deploy } from "../render/schemas/deploy";
import { bakeWindows as windowsOfBake, runPostSwitch, runPreSwitch, type PhaseOutcome } from "./analysis";
import { recordBaselines, unhealthyBaseline, type GuardBaseline, type ProtectedService } from "./protected-guard";
import { boundWindows, bakeWindows, MAX_BEFORE_WINDOWS, recordTraffic, type PromotionTraffic, type TrafficWindow } from "./traffic-series";

export type { Slot };
export type { PromotionTraffic, TrafficWindow };

/** What a promotion needs: the app, the version wanted, the slots, the edge, the analysis settings. */
export interface PromotionTarget {
  app: string;
  /** Image repository; the deployed ref is `<image>:<version>`. */
  image: string;
  version: string;
  healthCheckPath: string;
  slots: Record<Slot, { serviceId: string; url: string }>;
  edgeUrl: string;
  /** The edge admin token (secret: never in a message). */
  adminToken: string;
  analysis: PromotionAnalysis;
  /**
   * Services the promotion must not harm (AlphaStack's engine): their health is recorded before the switch, a
   * promotion does not switch while one is unhealthy, and a degradation during the bake switches back.
   */
  guards?: ProtectedService[];
}

/** The record of the last promotion step taken, kept in the switch's outputs (no secrets). */
export interface PromotionRecord {
  /** `promoted`, `already-active` (nothing to move), `promoted-inconclusive` (accepted by `onInconclusive: promote`). */
  result: "promoted" | "already-active" | "promoted-inconclusive";
  version: string;
  from: Slot;
  to: Slot;
  at: string;
  /** Milliseconds per step, and in total. */
  timings: { deployMs: number; preSwitchMs: number; switchMs: number; bakeMs: number; totalMs: number };
  preSwitch?: string;
  postSwitch?: string;
  /**
   * The traffic through the edge around the switch (the old slot's windows before it, the bake's after it), at most
   * 120 windows; for the deploy report's plot. Absent when no bake ran, and in records written before it existed.
   */
  traffic?: PromotionTraffic;
}

/** The converged live state: where traffic is, and what runs on each slot. */
export interface LiveState {
  activeSlot: Slot;
  /** The version (tag) live on each slot, or the full image ref when it is not a tag of `image`. */
  versions: Partial<Record<Slot, string>>;
}

/**
 * What a promotion that stopped had done (no secrets): the step that stopped it, the switch and switch back if they
 * happened, and the traffic through the edge up to then. The TrafficSwitch keeps it in its promotion journal so the
 * deploy report can show a failed promotion too (its outputs keep only the last promotion that succeeded).
 */
export interface PromotionAttempt {
  version: string;
  from: Slot;
  to: Slot;
  /** The step that stopped the promotion. */
  phase: "deploy" | "pre-switch" | "post-switch";
  /** Whether traffic had moved to `to` and was moved back (`rolled-back`), or never moved / stayed (`failed`). */
  result: "failed" | "rolled-back";
  at: string;
  switchedAt?: string;
  switchedBackAt?: string;
  timings: PromotionRecord["timings"];
  traffic?: PromotionTraffic;
  /** Where traffic is and what each slot runs after it stopped (the switch's outputs still show the state before). */
  live?: LiveState;
}

/** A promotion that stopped. The message says what failed and where traffic is; `attempt` what it had done. */
export class PromotionError extends Error {
  attempt?: PromotionAttempt;
  constructor(message: string, attempt?: PromotionAttempt) {
    super(message);
    this.name = "PromotionError";
    if (attempt) this.attempt = attempt;
  }
}

/** The actor name recorded in the edge's events. */
const ACTOR = "pulumi";

/**
 * Verdict reasons start with the step that produced them, so a later `up` can tell a slot that finished its bake
 * from one that was switched to and then interrupted (see {@link promote}).
 */
export const REASON = { baseline: "baseline:", pre: "pre-switch:", post: "post-switch:", pending: "pending:" } as const;

/** Options: the Render client, a clock for tests, and a progress sink. */
export interface PromotionDeps {
  render: RenderClient;
  log?: (line: string) => void;
  /** Poll interval while waiting for a deploy (default 1 s; lower under a fast simulator). */
  pollMs?: number;
  /** How long to wait for the edge to know the app (it restarts after its env changes). Default 120 s. */
  edgeReadyTimeoutMs?: number;
}

/** The edge admin client a promotion uses (15 s per call, 3 attempts on transport errors and 502/503/504). */
export function edgeClient(t: Pick<PromotionTarget, "edgeUrl" | "adminToken">): EdgeAdminClient {
  return new EdgeAdminClient({ url: t.edgeUrl, token: t.adminToken, timeoutMs: 15_000, attempts: 3 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The edge's view once it serves the app (the edge restarts when its env changes: wait for it, bounded). */
export async function edgeStateFor(edge: EdgeAdminClient, app: string, timeoutMs: number): Promise<EdgeStateView> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const s = await edge.getState();
      if (s.apps?.[app]) return s;
      last = `the edge does not route app '${app}' yet (apps: ${Object.keys(s.apps ?? {}).join(", ") || "none"})`;
    } catch (e) {
      if (e instanceof EdgeAdminError && e.status === 401) throw new PromotionError(`edge admin API refused the token (401): the edge's EDGE_ADMIN_TOKEN and the switch's adminToken differ; run pulumi up again after the edge env is applied`);
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new PromotionError(`the edge did not become ready for app '${app}' within ${timeoutMs} ms: ${last}; traffic was not changed`);
    await sleep(1_000);
  }
}

const IN_PROGRESS = new Set(["created", "queued", "build_in_progress", "update_in_progress", "pre_deploy_in_progress"]);

/** The image a slot serves: its newest live deploy's image (the service's configured image may be ahead of it). */
async function liveImage(render: RenderClient, serviceId: string): Promise<{ ref?: string; newest?: Deploy }> {
  const deploys = await render.services.listDeploys(serviceId, 10);
  const live = deploys.find((d) => d.status === "live");
  let ref = live?.image?.ref;
  if (live && !ref) ref = (await render.services.get(serviceId)).imagePath;
  return { ref: canonicalImage(ref), newest: deploys[0] };
}

function versionOf(image: string, ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const repo = canonicalImage(`${image}:x`)!.slice(0, -2);
  return ref.startsWith(`${repo}:`) ? ref.slice(repo.length + 1) : ref;
}

/** Reads where traffic is and what each slot runs (for `read`/refresh and for the start of every promotion). */
export async function readLive(t: PromotionTarget, deps: PromotionDeps, state?: EdgeStateView): Promise<LiveState & { refs: Partial<Record<Slot, string>>; edge: EdgeStateView }> {
  const edge = state ?? (await edgeStateFor(edgeClient(t), t.app, deps.edgeReadyTimeoutMs ?? 120_000));
  const [blue, green] = await Promise.all([liveImage(deps.render, t.slots.blue.serviceId), liveImage(deps.render, t.slots.green.serviceId)]);
  return {
    activeSlot: edge.apps[t.app]!.active,
    versions: { blue: versionOf(t.image, blue.ref), green: versionOf(t.image, green.ref) },
    refs: { blue: blue.ref, green: green.ref },
    edge,
  };
}

function where(live: { activeSlot: Slot; versions: Partial<Record<Slot, string>> }, app: string): string {
  return `traffic stays on ${app}-${live.activeSlot} (${live.versions[live.activeSlot] ?? "unknown version"})`;
}

/** Deploys `ref` to a slot and waits for `live`; a deploy of the same ref already under way is awaited, not repeated. */
async function deployTo(t: PromotionTarget, deps: PromotionDeps, slot: Slot, ref: string, newest: Deploy | undefined, onFail: string): Promise<void> {
  const { render } = deps;
  const id = t.slots[slot].serviceId;
  let deploy: Deploy | undefined =
    newest && IN_PROGRESS.has(newest.status ?? "") && canonicalImage(newest.image?.ref) === ref ? newest : undefined;
  if (!deploy) {
    const svc = await render.services.get(id);
    // The service's image is what Render redeploys on a restart: keep it equal to what the switch deployed.
    if (canonicalImage(svc.imagePath) !== ref) await render.services.update(id, { image: { ownerId: svc.ownerId, imagePath: ref } });
    deploy = await render.services.deploy(id, { imageUrl: ref });
    // 202 (queued behind another deploy): find ours, the newest deploy of this image.
    if (!deploy) deploy = (await render.services.listDeploys(id, 5)).find((d) => canonicalImage(d.image?.ref) === ref);
    if (!deploy) throw new PromotionError(`deploy of ${ref} to ${t.app}-${slot} (${id}) was accepted but cannot be found; ${onFail}`);
  }
  deps.log?.(`deploying ${ref} to ${t.app}-${slot}: ${deploy.id}`);
  const deadline = Date.now() + t.analysis.deployTimeoutMs;
  for (;;) {
    if (deploy.status === "live") return;
    if (deploy.status && !IN_PROGRESS.has(deploy.status)) {
      throw new PromotionError(`deploy ${deploy.id} of ${ref} to ${t.app}-${slot} ended ${deploy.status}; ${onFail}`);
    }
    if (Date.now() > deadline) {
      throw new PromotionError(`deploy ${deploy.id} of ${ref} to ${t.app}-${slot} was not live within deployTimeoutMs ${t.analysis.deployTimeoutMs} ms (status ${deploy.status}); ${onFail}`);
    }
    await sleep(deps.pollMs ?? 1_000);
    deploy = await render.services.getDeploy(id, deploy.id);
  }
}

function healthUrl(t: PromotionTarget, slot: Slot): string {
  return new URL(t.healthCheckPath, t.slots[slot].url.endsWith("/") ? t.slots[slot].url : `${t.slots[slot].url}/`).toString();
}

async function verdict(edge: EdgeAdminClient, t: PromotionTarget, slot: Slot, phase: "Successful" | "Failed" | "Inconclusive", reason: string): Promise<void> {
  await edge.reportAnalysis({ app: t.app, slot, phase, reason: reason.slice(0, 480), actor: ACTOR });
}

async function switchTo(edge: EdgeAdminClient, t: PromotionTarget, slot: Slot, reason: string, onFail: string): Promise<void> {
  try {
    const r = await edge.switch({ app: t.app, slot, reason: reason.slice(0, 480), actor: ACTOR });
    if (!r.synced) throw new PromotionError(`switch of ${t.app} to ${slot} was persisted but not every edge instance confirmed (${r.peers?.failed?.length ?? "?"} missing); they converge within the edge's sync interval; run pulumi up again to finish the promotion`);
  } catch (e) {
    if (e instanceof PromotionError) throw e;
    throw new PromotionError(`switching ${t.app} to ${slot} failed: ${(e as Error).message}; ${onFail}`);
  }
}

/**
 * Brings an app to "the declared version serves all traffic, after passing its analysis", from whatever the live
 * state is. Every step is re-derived from the edge and Render, never from Pulumi's state, so an `up` killed at any
 * point is finished by the next one:
 *
 * 1. the active slot runs the version and finished its bake (or is the baseline): nothing to do;
 * 2. the active slot runs the version but was switched to and not baked (interrupted): bake now, roll back on failure;
 * 3. otherwise: mark the idle slot pending (the edge will not switch to it, not even by auto-rollback), deploy to it
 *    unless it already runs the version, probe it directly, switch, bake, and on failure switch back.
 *
 * Traffic only ever moves to a slot whose latest verdict is a passing analysis.
 */
export async function promote(t: PromotionTarget, deps: PromotionDeps): Promise<{ live: LiveState; record: PromotionRecord }> {
  const started = Date.now();
  const edge = edgeClient(t);
  const want = canonicalImage(`${t.image}:${t.version}`)!;
  const live = await readLive(t, deps);
  const active = live.activeSlot;
  const idle = other(active);
  const timings = { deployMs: 0, preSwitchMs: 0, switchMs: 0, bakeMs: 0, totalMs: 0 };
  const done = (result: PromotionRecord["result"], from: Slot, to: Slot, extra: Partial<PromotionRecord> = {}) => ({
    live: { activeSlot: to, versions: { ...live.versions, [to]: t.version } },
    record: { result, version: t.version, from, to, at: new Date().toISOString(), timings: { ...timings, totalMs: Date.now() - started }, ...extra },
  });

  if (live.refs[active] === want) {
    const v = live.edge.apps[t.app]!.slots[active].verdict;
    if (v?.phase === "Successful" && (v.reason.startsWith(REASON.post) || v.reason.startsWith(REASON.baseline))) return done("already-active", active, active);
    if (v && !(v.phase === "Successful" && v.reason.startsWith(REASON.baseline))) {
      // Traffic is on the version without a finished bake: an earlier `up` was interrupted after its switch (or its
      // switch back failed). Judge it now; on failure traffic goes back to the other slot.
      // Too late for a baseline from before the switch: the one taken now is the reference (conservative).
      const baselines = await recordBaselines(t.guards ?? [], t.analysis);
      return bake(t, deps, edge, { ...live, activeSlot: idle }, active, started, timings, done, { baselines });
    }
    // First deploy of the app (both slots run the version): probe the active slot once to record a baseline.
    const pre = await runPreSwitch(t.analysis, healthUrl(t, active));
    timings.preSwitchMs = pre.durationMs;
    if (pre.phase !== "Successful") {
      throw new PromotionError(`baseline analysis of ${t.app} ${t.version} on ${t.app}-${active} ${pre.phase}: ${pre.reason}; ${where(live, t.app)}`);
    }
    await verdict(edge, t, active, "Successful", `${REASON.baseline} ${pre.reason}`);
    return done("already-active", active, active, { preSwitch: pre.reason });
  }

  const onFail = where(live, t.app);
  // The old slot's traffic while the new version deploys and is probed: the "before" of the report's plot.
  const recorder = recordTraffic({
    edgeUrl: t.edgeUrl, token: t.adminToken, app: t.app, slot: active, windowMs: t.analysis.postSwitch.intervalMs,
    keep: Math.min(MAX_BEFORE_WINDOWS, Math.max(3, windowsOfBake(t.analysis))),
  });
  let oldSlotTraffic: TrafficWindow[] = [];
  let pre: PhaseOutcome;
  let baselines: GuardBaseline[] = [];
  let stage: "deploy" | "pre-switch" = "deploy";
  try {
    // Out of rotation while it changes: a Failed verdict makes the edge refuse it (also for its own auto-rollback).
    if (live.refs[idle] !== want || live.edge.apps[t.app]!.slots[idle].verdict?.phase !== "Successful") {
      await verdict(edge, t, idle, "Failed", `${REASON.pending} deploying ${want}; not analysed yet`);
    }
    if (live.refs[idle] !== want) {
      const t0 = Date.now();
      const newest = (await deps.render.services.listDeploys(t.slots[idle].serviceId, 1))[0];
      await deployTo(t, deps, idle, want, newest, onFail);
      timings.deployMs = Date.now() - t0;
    }

    stage = "pre-switch";
    // The protected services' baseline is taken alongside the slot's probes, so it costs no extra time.
    [pre, baselines] = await Promise.all([runPreSwitch(t.analysis, healthUrl(t, idle)), recordBaselines(t.guards ?? [], t.analysis)]);
    timings.preSwitchMs = pre.durationMs;
    if (pre.phase !== "Successful") {
      await verdict(edge, t, idle, pre.phase === "Failed" ? "Failed" : "Inconclusive", `${REASON.pre} ${pre.phase}: ${pre.reason}`);
      throw new PromotionError(`pre-switch analysis of ${t.app} ${t.version} on ${t.app}-${idle} ${pre.phase}: ${pre.reason}; the version received no traffic, ${onFail}`);
    }
    const unhealthy = unhealthyBaseline(baselines);
    if (unhealthy) {
      await verdict(edge, t, idle, "Inconclusive", `${REASON.pre} ${unhealthy}`);
      throw new PromotionError(`promotion of ${t.app} ${t.version} refused before the switch: ${unhealthy}; a promotion now could not be told apart from harm it causes. The version received no traffic, ${onFail}; run pulumi up again once it is healthy`);
    }
    await verdict(edge, t, idle, "Successful", `${REASON.pre} ${pre.reason}`);
  } catch (e) {
    oldSlotTraffic = await recorder.stop();
    if (e instanceof PromotionError && !e.attempt) {
      e.attempt = {
        version: t.version, from: active, to: idle, phase: stage, result: "failed", at: new Date().toISOString(),
        timings: { ...timings, totalMs: Date.now() - started }, traffic: trafficOf(t, oldSlotTraffic, []),
        // A deploy that failed leaves the slot's previous deploy live; one that finished runs the version.
        live: { activeSlot: active, versions: stage === "pre-switch" ? { ...live.versions, [idle]: t.version } : { ...live.versions } },
      };
    }
    throw e;
  }
  oldSlotTraffic = await recorder.stop();

  const s0 = Date.now();
  await switchTo(edge, t, idle, `promote ${t.app} ${t.version}`, onFail);
  timings.switchMs = Date.now() - s0;
  deps.log?.(`switched ${t.app} to ${idle}`);
  return bake(t, deps, edge, live, idle, started, timings, done, { preReason: pre.reason, oldSlotTraffic, switchedAt: new Date().toISOString(), baselines });
}

/** The record's traffic: the old slot's windows before the switch and the new slot's during the bake, bounded. */
function trafficOf(t: PromotionTarget, oldSlot: TrafficWindow[], bake: TrafficWindow[]): PromotionTraffic {
  const p = t.analysis.postSwitch;
  return { windowMs: p.intervalMs, limits: { maxErrorRate: p.maxErrorRate, maxP99LatencyMs: p.maxP99LatencyMs }, windows: boundWindows(oldSlot, bake) };
}

type Done = (result: PromotionRecord["result"], from: Slot, to: Slot, extra?: Partial<PromotionRecord>) => { live: LiveState; record: PromotionRecord };

/**
 * The bake's outcome, corrected by what the edge did meanwhile: its automatic rollback (passive detection on the failing
 * requests, or its probes) may have moved the traffic back before the analysis decided. Such a bake failed, whatever the
 * analysis saw (it may have seen too little traffic to decide, or accepted Inconclusive): a slot the edge abandoned must
 * never be recorded as promoted.
 */
export async function movedBack(edge: EdgeAdminClient, t: PromotionTarget, slot: Slot, post: PhaseOutcome): Promise<PhaseOutcome> {
  const now = await edge.getState().catch(() => undefined);
  const app = now?.apps?.[t.app];
  if (!app || app.active === slot) return post;
  const why = app.slots[slot]?.verdict?.reason;
  const note = `the edge moved ${t.app}'s traffic back to ${t.app}-${app.active} during the bake${why ? ` (${why})` : ""}`;
  return post.phase === "Failed" ? { ...post, reason: `${post.reason}; ${note}` } : { ...post, phase: "Failed", reason: `${note}; the analysis had: ${post.phase}: ${post.reason}` };
}

/** What the steps before a bake hand to it. */
interface BakeContext {
  /** The pre-switch analysis's reason, for the record. */
  preReason?: string;
  /** The old slot's traffic before the switch (the report's "before"). */
  oldSlotTraffic?: TrafficWindow[];
  switchedAt?: string;
  /** The protected services' health before the switch. */
  baselines?: GuardBaseline[];
}

/** The post-switch bake on `slot` (now active); on failure, back to the other slot (`before.activeSlot`). */
async function bake(
  t: PromotionTarget,
  deps: PromotionDeps,
  edge: EdgeAdminClient,
  before: LiveState,
  slot: Slot,
  started: number,
  timings: PromotionRecord["timings"],
  done: Done,
  { preReason, oldSlotTraffic = [], switchedAt, baselines = [] }: BakeContext,
): Promise<{ live: LiveState; record: PromotionRecord }> {
  const back = other(slot);
  const post: PhaseOutcome = await movedBack(edge, t, slot, await runPostSwitch(t.analysis, { url: t.edgeUrl, token: t.adminToken, app: t.app, slot }, healthUrl(t, slot), undefined, baselines));
  timings.bakeMs = post.durationMs;
  if (post.phase === "Successful" || (post.phase === "Inconclusive" && t.analysis.onInconclusive === "promote")) {
    const accepted = post.phase === "Inconclusive" ? " (Inconclusive accepted: analysis.onInconclusive is promote)" : "";
    await verdict(edge, t, slot, "Successful", `${REASON.post} ${post.reason}${accepted}`);
    const traffic = trafficOf(t, oldSlotTraffic, bakeWindows(post.traffic ?? [], slot));
    return done(post.phase === "Successful" ? "promoted" : "promoted-inconclusive", back, slot, { preSwitch: preReason, postSwitch: post.reason + accepted, traffic });
  }
  // Back first, verdict second: if this is interrupted in between, traffic is already on the slot that passed.
  const backTo = `${t.app}-${back} (${before.versions[back] ?? "previous version"})`;
  let restored = `traffic is back on ${backTo}`;
  let switchedBackAt: string | undefined;
  try {
    await edge.switch({ app: t.app, slot: back, reason: `post-switch ${post.phase}: ${t.app} ${t.version}`.slice(0, 480), actor: ACTOR });
    switchedBackAt = new Date().toISOString();
  } catch (e) {
    restored = `switching back to ${back} FAILED (${(e as Error).message}): traffic is still on ${t.app}-${slot} (${t.version}); run npm run rollback -- --stack <stack> --app ${t.app} --force`;
  }
  await verdict(edge, t, slot, post.phase === "Failed" ? "Failed" : "Inconclusive", `${REASON.post} ${post.phase}: ${post.reason}`).catch(() => undefined);
  const hint = post.phase === "Failed" ? "" : "; send traffic during the bake, lower analysis.postSwitch.minSamples, or set analysis.onInconclusive: promote";
  throw new PromotionError(`post-switch analysis of ${t.app} ${t.version} on ${t.app}-${slot} ${post.phase}: ${post.reason}; ${restored}${hint}`, {
    version: t.version, from: back, to: slot, phase: "post-switch", result: switchedBackAt ? "rolled-back" : "failed", at: new Date().toISOString(),
    switchedAt, switchedBackAt, timings: { ...timings, totalMs: Date.now() - started }, traffic: trafficOf(t, oldSlotTraffic, bakeWindows(post.traffic ?? [], slot)),
    live: { activeSlot: switchedBackAt ? back : slot, versions: { ...before.versions, [slot]: t.version } },
  });
}

import { canonicalImage } from "../providers/image-ref";
import { runPostSwitch, runPreSwitch, type PhaseOutcome } from "./analysis";
import { bakeTrafficWindows, beforeSwitchWindowCount } from "./bake-windows";
import { deployImage } from "./deploy";
import { edgeClient, other, type EdgeAdminClient, type Slot } from "./edge";
import { readLive, type LiveReading, type LiveState } from "./live";
import { recordBaselines, unhealthyBaseline, type GuardBaseline } from "./protected-guard";
import { PromotionError, RunRecord, type PromotionRecord } from "./record";
import { healthUrl, type PromotionDeps, type PromotionTarget } from "./target";
import { recordTraffic } from "./traffic-series";

/** What a run ends with: where traffic is and what each slot runs, and the record for the switch's outputs. */
export interface PromotionResult {
  live: LiveState;
  record: PromotionRecord;
}

/** The actor name recorded in the edge's events. */
const ACTOR = "pulumi";

/**
 * Verdict reasons start with the step that produced them, so a later `up` can tell a slot that finished its bake
 * from one that was switched to and then interrupted (see {@link PromotionRun.converge}).
 */
const REASON = { baseline: "baseline:", pre: "pre-switch:", post: "post-switch:", pending: "pending:" } as const;

/**
 * Brings an app to "the declared version serves all traffic, after passing its analysis", from whatever the live
 * state is: one {@link PromotionRun}, from the live state read now.
 */
export async function promote(t: PromotionTarget, deps: PromotionDeps): Promise<PromotionResult> {
  return (await PromotionRun.begin(t, deps)).converge();
}

/**
 * One promotion of one app: the target, the live state read at its start, the edge client, and the {@link RunRecord}
 * it fills as it goes, with one method per phase. Every step is re-derived from the edge and Render, never from
 * Pulumi's state, so an `up` killed at any point is finished by the next one. Traffic only ever moves to a slot whose
 * latest verdict is a passing analysis.
 */
export class PromotionRun {
  private readonly edge: EdgeAdminClient;
  /** The canonical image ref of the declared version. */
  private readonly want: string;

  /** Starts a run: the clock starts, then the live state is read (the edge, waited for; Render's live deploys). */
  static async begin(t: PromotionTarget, deps: PromotionDeps): Promise<PromotionRun> {
    const recorded = new RunRecord(t.version, t.analysis);
    return new PromotionRun(t, deps, await readLive(t, deps), recorded);
  }

  /**
   * @param live the live state at the start of the run (phases that do not deploy never call Render)
   * @param recorded what the run has done, for its record or attempt
   */
  constructor(
    private readonly t: PromotionTarget,
    private readonly deps: PromotionDeps,
    private readonly live: LiveReading,
    readonly recorded: RunRecord = new RunRecord(t.version, t.analysis),
  ) {
    this.edge = edgeClient(t);
    this.want = canonicalImage(`${t.image}:${t.version}`)!;
  }

  /** The slot traffic was on at the start. */
  get active(): Slot {
    return this.live.activeSlot;
  }

  /** The other slot, where a promotion deploys. */
  get idle(): Slot {
    return other(this.live.activeSlot);
  }

  /**
   * Picks the path from the live state:
   * 1. the active slot runs the version and finished its bake (or is the baseline): nothing to do;
   * 2. the active slot runs the version with another verdict (switched to, then interrupted): {@link resumeBake};
   * 3. the active slot runs the version with no verdict (first deploy of the app): {@link recordBaseline};
   * 4. otherwise: {@link beforeSwitch} (pending, deploy, pre-switch), {@link switchToIdle}, {@link bake}.
   */
  async converge(): Promise<PromotionResult> {
    const slot = this.active;
    if (this.live.refs[slot] !== this.want) {
      const baselines = await this.beforeSwitch();
      await this.switchToIdle();
      return this.bake(this.idle, baselines);
    }
    const v = this.verdictOf(slot);
    if (v?.phase === "Successful" && (v.reason.startsWith(REASON.post) || v.reason.startsWith(REASON.baseline)))
      return this.finish("already-active", slot, slot);
    return v ? this.resumeBake() : this.recordBaseline();
  }

  /** First deploy of the app (both slots run the version): probe the active slot once to record a baseline verdict. */
  async recordBaseline(): Promise<PromotionResult> {
    const { t } = this;
    const slot = this.active;
    const pre = await runPreSwitch(t.analysis, healthUrl(t, slot));
    this.recorded.took("preSwitchMs", pre.durationMs);
    if (pre.phase !== "Successful") {
      throw new PromotionError(`baseline analysis of ${t.app} ${t.version} on ${t.app}-${slot} ${pre.phase}: ${pre.reason}; ${this.trafficStays()}`);
    }
    await this.verdict(slot, "Successful", `${REASON.baseline} ${pre.reason}`);
    this.recorded.passed("preSwitch", pre.reason);
    return this.finish("already-active", slot, slot);
  }

  /**
   * Traffic is on the version without a finished bake: an earlier `up` was interrupted after its switch (or its switch
   * back failed). Judge it now; on failure traffic goes back to the other slot. Too late for a baseline of the
   * protected services from before the switch: the one taken now is the reference (conservative).
   */
  async resumeBake(): Promise<PromotionResult> {
    const baselines = await recordBaselines(this.t.guards ?? [], this.t.analysis);
    return this.bake(this.active, baselines);
  }

  /**
   * Everything before traffic moves: {@link markPending}, {@link deployToIdle}, {@link preSwitch}, while the old
   * slot's traffic is recorded for the report. A stop here never moved traffic: its error carries the attempt.
   * Returns the protected services' baselines for the bake.
   */
  async beforeSwitch(): Promise<GuardBaseline[]> {
    const { t } = this;
    const recorder = recordTraffic({
      edgeUrl: t.edgeUrl,
      token: t.adminToken,
      app: t.app,
      slot: this.active,
      windowMs: t.analysis.postSwitch.intervalMs,
      keep: beforeSwitchWindowCount(t.analysis),
    });
    let phase: "deploy" | "pre-switch" = "deploy";
    let baselines: GuardBaseline[];
    try {
      await this.markPending();
      await this.deployToIdle();
      phase = "pre-switch";
      baselines = await this.preSwitch();
    } catch (e) {
      this.recorded.beforeSwitch(await recorder.stop());
      if (e instanceof PromotionError && !e.attempt) {
        // A deploy that failed leaves the slot's previous deploy live; one that finished runs the version.
        e.attempt = this.recorded.attempt(phase, this.active, this.idle, this.liveWith(this.active, phase === "pre-switch" ? this.idle : undefined));
      }
      throw e;
    }
    this.recorded.beforeSwitch(await recorder.stop());
    return baselines;
  }

  /** Out of rotation while it changes: a Failed verdict makes the edge refuse the idle slot (also for its own auto-rollback). */
  async markPending(): Promise<void> {
    const idle = this.idle;
    if (this.live.refs[idle] !== this.want || this.verdictOf(idle)?.phase !== "Successful") {
      await this.verdict(idle, "Failed", `${REASON.pending} deploying ${this.want}; not analysed yet`);
    }
  }

  /** Deploys the version to the idle slot unless it already runs it (a deploy of it under way is awaited). */
  async deployToIdle(): Promise<void> {
    const { t, deps } = this;
    const idle = this.idle;
    if (this.live.refs[idle] === this.want) return;
    const t0 = Date.now();
    const id = t.slots[idle].serviceId;
    const newest = (await deps.render.services.listDeploys(id, 1))[0];
    await deployImage({
      render: deps.render,
      service: { id, name: `${t.app}-${idle}` },
      ref: this.want,
      newest,
      timeoutMs: t.analysis.deployTimeoutMs,
      pollMs: deps.pollMs ?? 1_000,
      onFail: this.trafficStays(),
      log: deps.log,
    });
    this.recorded.took("deployMs", Date.now() - t0);
  }

  /**
   * The idle slot's pre-switch analysis on its own URL, and alongside it (no extra time) the protected services'
   * baseline; the verdict goes to the edge. A failed analysis, or a protected service unhealthy now, stops the run
   * before any traffic moves. Returns the baselines the bake holds the protected services to.
   */
  async preSwitch(): Promise<GuardBaseline[]> {
    const { t } = this;
    const idle = this.idle;
    const [pre, baselines] = await Promise.all([runPreSwitch(t.analysis, healthUrl(t, idle)), recordBaselines(t.guards ?? [], t.analysis)]);
    this.recorded.took("preSwitchMs", pre.durationMs);
    if (pre.phase !== "Successful") {
      await this.verdict(idle, pre.phase === "Failed" ? "Failed" : "Inconclusive", `${REASON.pre} ${pre.phase}: ${pre.reason}`);
      throw new PromotionError(
        `pre-switch analysis of ${t.app} ${t.version} on ${t.app}-${idle} ${pre.phase}: ${pre.reason}; the version received no traffic, ${this.trafficStays()}`,
      );
    }
    const unhealthy = unhealthyBaseline(baselines);
    if (unhealthy) {
      await this.verdict(idle, "Inconclusive", `${REASON.pre} ${unhealthy}`);
      throw new PromotionError(
        `promotion of ${t.app} ${t.version} refused before the switch: ${unhealthy}; a promotion now could not be told apart from harm it causes. The version received no traffic, ${this.trafficStays()}; run pulumi up again once it is healthy`,
      );
    }
    await this.verdict(idle, "Successful", `${REASON.pre} ${pre.reason}`);
    this.recorded.passed("preSwitch", pre.reason);
    return baselines;
  }

  /** Moves traffic to the idle slot (after its passing verdict: the edge refuses a slot without one); every edge instance must confirm. */
  async switchToIdle(): Promise<void> {
    const { t } = this;
    const idle = this.idle;
    const s0 = Date.now();
    try {
      const r = await this.edge.switch({ app: t.app, slot: idle, reason: `promote ${t.app} ${t.version}`.slice(0, 480), actor: ACTOR });
      if (!r.synced)
        throw new PromotionError(
          `switch of ${t.app} to ${idle} was persisted but not every edge instance confirmed (${r.peers?.failed?.length ?? "?"} missing); they converge within the edge's sync interval; run pulumi up again to finish the promotion`,
        );
    } catch (e) {
      if (e instanceof PromotionError) throw e;
      throw new PromotionError(`switching ${t.app} to ${idle} failed: ${(e as Error).message}; ${this.trafficStays()}`);
    }
    this.recorded.took("switchMs", Date.now() - s0);
    this.deps.log?.(`switched ${t.app} to ${idle}`);
    this.recorded.switched();
  }

  /**
   * The post-switch bake on `slot` (now active): the new slot's traffic through the edge, its probes and the protected
   * services' guards against `baselines`, corrected by what the edge did meanwhile ({@link movedBack}). A pass (or
   * Inconclusive with `onInconclusive: promote`) finishes the run; anything else is {@link rollBack}.
   */
  async bake(slot: Slot, baselines: readonly GuardBaseline[]): Promise<PromotionResult> {
    const { t } = this;
    const outcome = await runPostSwitch(t.analysis, { url: t.edgeUrl, token: t.adminToken, app: t.app, slot }, healthUrl(t, slot), undefined, baselines);
    const post = await movedBack(this.edge, t.app, slot, outcome);
    this.recorded.took("bakeMs", post.durationMs);
    this.recorded.baked(bakeTrafficWindows(post.traffic ?? [], slot));
    if (post.phase !== "Successful" && !(post.phase === "Inconclusive" && t.analysis.onInconclusive === "promote")) return this.rollBack(slot, post);
    const accepted = post.phase === "Inconclusive" ? " (Inconclusive accepted: analysis.onInconclusive is promote)" : "";
    await this.verdict(slot, "Successful", `${REASON.post} ${post.reason}${accepted}`);
    this.recorded.passed("postSwitch", post.reason + accepted);
    return this.finish(post.phase === "Successful" ? "promoted" : "promoted-inconclusive", other(slot), slot);
  }

  /**
   * A bake that did not pass: traffic back to the other slot first, the verdict second (if this is interrupted in
   * between, traffic is already on the slot that passed), then the run fails with its attempt. A switch back that
   * fails is said, with the command that forces it.
   */
  async rollBack(slot: Slot, post: PhaseOutcome): Promise<never> {
    const { t } = this;
    const back = other(slot);
    let restored = `traffic is back on ${t.app}-${back} (${this.live.versions[back] ?? "previous version"})`;
    try {
      await this.edge.switch({ app: t.app, slot: back, reason: `post-switch ${post.phase}: ${t.app} ${t.version}`.slice(0, 480), actor: ACTOR });
      this.recorded.switchedBack();
    } catch (e) {
      restored = `switching back to ${back} FAILED (${(e as Error).message}): traffic is still on ${t.app}-${slot} (${t.version}); run npm run rollback -- --stack <stack> --app ${t.app} --force`;
    }
    await this.verdict(slot, post.phase === "Failed" ? "Failed" : "Inconclusive", `${REASON.post} ${post.phase}: ${post.reason}`).catch(() => undefined);
    const hint = post.phase === "Failed" ? "" : "; send traffic during the bake, lower analysis.postSwitch.minSamples, or set analysis.onInconclusive: promote";
    const live = this.liveWith(this.recorded.rolledBack ? back : slot, slot);
    throw new PromotionError(
      `post-switch analysis of ${t.app} ${t.version} on ${t.app}-${slot} ${post.phase}: ${post.reason}; ${restored}${hint}`,
      this.recorded.attempt("post-switch", back, slot, live),
    );
  }

  /** The run's result: traffic on `to`, which runs the version. */
  finish(result: PromotionRecord["result"], from: Slot, to: Slot): PromotionResult {
    return { live: this.liveWith(to, to), record: this.recorded.record(result, from, to) };
  }

  /** The live state with traffic on `activeSlot`, and `deployed` (if any) running the version. */
  private liveWith(activeSlot: Slot, deployed?: Slot): LiveState {
    return { activeSlot, versions: deployed ? { ...this.live.versions, [deployed]: this.t.version } : { ...this.live.versions } };
  }

  /** Where traffic stays when the run stops before or at the switch. */
  private trafficStays(): string {
    const slot = this.live.activeSlot;
    return `traffic stays on ${this.t.app}-${slot} (${this.live.versions[slot] ?? "unknown version"})`;
  }

  /** A slot's verdict as the edge held it at the start of the run. */
  private verdictOf(slot: Slot) {
    return this.live.edge.apps[this.t.app]!.slots[slot].verdict;
  }

  /** Reports an analysis verdict for a slot to the edge (the reason bounded as the edge stores it). */
  private async verdict(slot: Slot, phase: "Successful" | "Failed" | "Inconclusive", reason: string): Promise<void> {
    await this.edge.reportAnalysis({ app: this.t.app, slot, phase, reason: reason.slice(0, 480), actor: ACTOR });
  }
}

/**
 * The bake's outcome, corrected by what the edge did meanwhile: its automatic rollback (passive detection on the failing
 * requests, or its probes) may have moved the traffic back before the analysis decided. Such a bake failed, whatever the
 * analysis saw (it may have seen too little traffic to decide, or accepted Inconclusive): a slot the edge abandoned must
 * never be recorded as promoted.
 */
export async function movedBack(edge: EdgeAdminClient, app: string, slot: Slot, post: PhaseOutcome): Promise<PhaseOutcome> {
  const now = await edge.getState().catch(() => undefined);
  const view = now?.apps?.[app];
  if (!view || view.active === slot) return post;
  const why = view.slots[slot]?.verdict?.reason;
  const note = `the edge moved ${app}'s traffic back to ${app}-${view.active} during the bake${why ? ` (${why})` : ""}`;
  return post.phase === "Failed"
    ? { ...post, reason: `${post.reason}; ${note}` }
    : { ...post, phase: "Failed", reason: `${note}; the analysis had: ${post.phase}: ${post.reason}` };
}

import { createHash } from "node:crypto";
import type { SimApp } from "../app";
import { recordEvent } from "../domain/events";
import { deployPolicyOf } from "../domain/owners";
import { captureDeployConfig, isImageBacked, runtimeSpec, type ServiceRec } from "../domain/services";
import { newId } from "../render/ids";
import { microStamp, nowNs } from "../render/time";
import { runPreDeploy } from "./pre-deploy";
import { phasesFor, type Phase } from "./timing";

/** Render's deploy statuses (spec enum). */
export type DeployStatus =
  | "created"
  | "queued"
  | "build_in_progress"
  | "update_in_progress"
  | "live"
  | "deactivated"
  | "build_failed"
  | "update_failed"
  | "canceled"
  | "pre_deploy_in_progress"
  | "pre_deploy_failed";

/**
 * Longest wait for the data plane to run a new version; beyond its own start timeout (60 s: the new version must
 * answer its health path), so the data plane's verdict normally decides, and a hung data plane cannot stall a deploy.
 */
const APPLY_TIMEOUT_MS = 75_000;

const ACTIVE: ReadonlySet<DeployStatus> = new Set(["created", "build_in_progress", "pre_deploy_in_progress", "update_in_progress"]);
const FAILED_AT: Record<Phase["status"], DeployStatus> = {
  build_in_progress: "build_failed",
  pre_deploy_in_progress: "pre_deploy_failed",
  update_in_progress: "update_failed",
};

/** A deploy as stored. Timestamps are decimal nanoseconds; `phaseEndsAt` is epoch ms. */
export interface DeployRec {
  id: string;
  serviceId: string;
  commit: { id: string; message: string; createdAt: string } | null;
  image?: { ref: string; sha: string };
  status: DeployStatus;
  trigger: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt: string | null;
  phases: Phase[];
  phase: number;
  phaseEndsAt?: number;
  /** Phase at whose end the deploy fails (from the `failNextDeploy` fault). */
  failAt?: Phase["status"];
  firstBuild?: boolean;
  /** Whether going live sets the service's image to this deploy's (an explicit image or a rollback). */
  setsImage?: boolean;
  clearCache?: boolean;
}

/** Options of a new deploy. */
export interface DeployRequest {
  trigger: string;
  commitId?: string;
  imageRef?: string;
  clearCache?: boolean;
  firstBuild?: boolean;
  /** Roll back to this earlier deploy's image/commit. */
  from?: DeployRec;
}

function isActive(status: DeployStatus): boolean {
  return ACTIVE.has(status);
}

/** The deploy as Render shows it; key order as recorded (`id, commit, image, status, trigger, createdAt, …`). */
export function renderDeploy(rec: DeployRec, fresh = false): Record<string, unknown> {
  const out: Record<string, unknown> = { id: rec.id, commit: rec.commit };
  if (rec.image) out.image = { ...rec.image };
  out.status = rec.status;
  out.trigger = rec.trigger;
  out.createdAt = microStamp(rec.createdAt);
  out.updatedAt = microStamp(rec.updatedAt);
  // A just-created deploy has not been picked up by a builder yet: Render omits `startedAt` in that answer.
  if (rec.startedAt && !(fresh && isActive(rec.status))) out.startedAt = microStamp(rec.startedAt);
  out.finishedAt = rec.finishedAt ? microStamp(rec.finishedAt) : null;
  return out;
}

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/**
 * Runs deploys through Render's phases on timers scaled by `timeScale`, persisting every transition so a restarted
 * simulator resumes them (`resumeAll`). When a deploy's update phase ends, the data plane is asked to run it; the
 * deploy goes `live` once it answers (the previous live deploy becomes `deactivated`), or `update_failed`.
 */
export class DeployLifecycle {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Pre-deploy commands running, by deploy id: ending the deploy (cancel) or the simulator stops them. */
  private readonly commands = new Map<string, AbortController>();
  private stopped = false;

  constructor(private readonly app: SimApp) {}

  /**
   * Creates a deploy for `service` inside the caller's transaction. Under the owner's overlapping-deploy policy
   * `override` (Render's default) it cancels in-progress and queued deploys and starts; under `wait` it is
   * `queued` behind an in-progress one (Render answers 202 without a body).
   */
  create(service: ServiceRec, req: DeployRequest, effects: Array<() => unknown>): { deploy: DeployRec; queued: boolean } {
    const { store } = this.app;
    const now = nowNs().toString();
    const existing = store.list<DeployRec>("deploy", service.id).map((d) => d.data);
    const active = existing.filter((d) => isActive(d.status));
    const queuedOnes = existing.filter((d) => d.status === "queued");
    const policy = deployPolicyOf(this.app, service.ownerId);
    const mustWait = policy === "wait" && active.length > 0;
    for (const d of mustWait ? queuedOnes : [...active, ...queuedOnes]) this.finish(d, "canceled", now);

    const build = !isImageBacked(service) && !req.from?.image;
    const imageRef = req.from?.image?.ref ?? req.imageRef ?? service.imagePath;
    const faults = this.app.dataPlane.getFaults(service.id);
    const phases = phasesFor(service.type, { build, preDeploy: !!service.preDeployCommand });
    let failAt: Phase["status"] | undefined;
    if (faults.failNextDeploy && phases.length) {
      failAt = phases[0].status === "build_in_progress" ? "build_in_progress" : "update_in_progress";
      this.app.dataPlane.setFaults(service.id, { ...faults, failNextDeploy: false });
    }
    const commitId = req.from?.commit?.id ?? req.commitId ?? sha256(`${service.repo ?? ""}#${service.branch ?? ""}`).slice(0, 40);
    const deploy: DeployRec = {
      id: newId("deploy"),
      serviceId: service.id,
      commit: isImageBacked(service) || req.from?.image ? null : { id: commitId, message: `Deploy ${commitId.slice(0, 7)}`, createdAt: microStamp(now) },
      image: isImageBacked(service) || req.from?.image ? { ref: imageRef!, sha: `sha256:${sha256(imageRef ?? "")}` } : undefined,
      status: mustWait ? "queued" : "created",
      trigger: req.trigger,
      // Only a deploy of an explicit image (imageUrl or a rollback) changes the service's image; a deploy of the
      // service's own image must not undo a PATCH made while it was running.
      setsImage: Boolean(req.from?.image || req.imageRef),
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      phases,
      phase: -1,
      failAt,
      firstBuild: req.firstBuild,
      clearCache: req.clearCache,
    };
    store.insert("deploy", deploy.id, deploy, service.id);
    if (!mustWait) this.begin(deploy, effects);
    return { deploy: store.get<DeployRec>("deploy", deploy.id)!, queued: mustWait };
  }

  /** Cancels a queued or in-progress deploy; returns false when it already ended. */
  cancel(deploy: DeployRec, effects: Array<() => unknown>): boolean {
    if (!isActive(deploy.status) && deploy.status !== "queued") return false;
    this.finish(deploy, "canceled", nowNs().toString());
    effects.push(() => this.startNextQueued(deploy.serviceId));
    return true;
  }

  /** Re-arms timers for deploys that were in flight when the simulator stopped. */
  resumeAll(): void {
    const all = this.app.store.list<DeployRec>("deploy").map((d) => d.data);
    for (const d of all) if (isActive(d.status)) this.schedule(d.id, (d.phaseEndsAt ?? Date.now()) - Date.now());
    const services = new Set(all.filter((d) => d.status === "queued").map((d) => d.serviceId));
    for (const s of services) this.startNextQueued(s);
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.commands.values()) c.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private begin(deploy: DeployRec, effects: Array<() => unknown>): void {
    const now = nowNs().toString();
    deploy.startedAt = now;
    deploy.updatedAt = now;
    const service = this.app.store.get<ServiceRec>("service", deploy.serviceId)!;
    // The deploy runs with the env of this moment; later env writes wait for the next deploy (as on Render).
    captureDeployConfig(this.app, deploy.serviceId, deploy.id);
    recordEvent(this.app, deploy.serviceId, "deploy_started", {
      deployId: deploy.id,
      trigger: {
        firstBuild: !!deploy.firstBuild,
        envUpdated: false,
        manual: deploy.trigger === "manual",
        deployedByRender: false,
        clearCache: !!deploy.clearCache,
        rollback: deploy.trigger === "rollback",
      },
    });
    if (deploy.phases.length === 0) {
      // Cron jobs: the new image or commit is used from the next run on, so the deploy is live at once.
      this.goLive(deploy, service, now);
      effects.push(() => this.applyLive(deploy.serviceId));
      return;
    }
    this.enterPhase(deploy, 0, now);
    effects.push(() => this.schedule(deploy.id, deploy.phaseEndsAt! - Date.now()));
  }

  private enterPhase(deploy: DeployRec, index: number, now: string): void {
    deploy.phase = index;
    deploy.status = deploy.phases[index].status;
    deploy.updatedAt = now;
    deploy.phaseEndsAt = Date.now() + this.app.scaled(deploy.phases[index].seconds);
    this.app.store.put("deploy", deploy.id, deploy);
  }

  private schedule(id: string, delayMs: number): void {
    if (this.stopped) return;
    const old = this.timers.get(id);
    if (old) clearTimeout(old);
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        void this.advance(id);
      },
      Math.max(0, delayMs),
    );
    t.unref();
    this.timers.set(id, t);
  }

  private async advance(id: string): Promise<void> {
    if (this.stopped) return;
    const { store } = this.app;
    const deploy = store.get<DeployRec>("deploy", id);
    if (!deploy || !isActive(deploy.status)) return;
    const phase = deploy.phases[deploy.phase];
    const now = nowNs().toString();
    if (deploy.failAt === phase.status) {
      store.tx(() => this.finish(deploy, FAILED_AT[phase.status], now));
      this.startNextQueued(deploy.serviceId);
      return;
    }
    if (phase.status === "pre_deploy_in_progress") {
      const ran = await this.preDeploy(deploy);
      if (!ran) return;
      if (!ran.ok) {
        store.tx(() => this.finish(ran.current, "pre_deploy_failed", nowNs().toString()));
        this.startNextQueued(deploy.serviceId);
        return;
      }
      Object.assign(deploy, ran.current);
    }
    if (deploy.phase + 1 < deploy.phases.length) {
      store.tx(() => this.enterPhase(deploy, deploy.phase + 1, nowNs().toString()));
      this.schedule(id, deploy.phaseEndsAt! - Date.now());
      return;
    }
    await this.finishUpdate(deploy);
  }

  /**
   * End of the pre-deploy phase: runs the service's `preDeployCommand` for real (`runPreDeploy`) while the live
   * deploy keeps serving. Resolves `undefined` when the deploy was canceled or superseded meanwhile (or the
   * simulator stopped), else whether the command succeeded with the deploy as stored now.
   */
  private async preDeploy(deploy: DeployRec): Promise<{ ok: boolean; current: DeployRec } | undefined> {
    const { store } = this.app;
    const service = store.get<ServiceRec>("service", deploy.serviceId);
    const spec = service && runtimeSpec(this.app, service, deploy.id);
    const command = service?.preDeployCommand?.trim();
    let result: { ok: boolean; reason?: string } = { ok: true };
    if (spec && command) {
      store.tx(() => recordEvent(this.app, deploy.serviceId, "pre_deploy_started", { deployId: deploy.id }));
      const abort = new AbortController();
      this.commands.set(deploy.id, abort);
      try {
        result = await runPreDeploy(command, spec, { signal: abort.signal });
      } finally {
        this.commands.delete(deploy.id);
      }
    }
    if (this.stopped) return undefined;
    const current = store.get<DeployRec>("deploy", deploy.id);
    if (!current || current.status !== deploy.status || current.phase !== deploy.phase) return undefined;
    if (spec && command) {
      const details: Record<string, unknown> = { deployId: deploy.id, status: result.ok ? "succeeded" : "failed" };
      if (result.reason) details.reason = result.reason;
      store.tx(() => recordEvent(this.app, deploy.serviceId, "pre_deploy_ended", details));
    }
    return { ok: result.ok, current };
  }

  /** End of the last phase: the data plane must run the new version before Render calls the deploy live. */
  private async finishUpdate(deploy: DeployRec): Promise<void> {
    const service = this.app.store.get<ServiceRec>("service", deploy.serviceId);
    if (!service) return;
    const spec = runtimeSpec(this.app, service, deploy.id);
    let result: { started: boolean; reason?: string };
    try {
      result = spec ? await withTimeout(this.app.dataPlane.apply(spec), APPLY_TIMEOUT_MS) : { started: false };
    } catch (e) {
      result = { started: false, reason: e instanceof Error ? e.message : String(e) };
    }
    if (this.stopped) return;
    const { store } = this.app;
    const current = store.get<DeployRec>("deploy", deploy.id);
    // Canceled (or superseded) while the data plane was starting it.
    if (!current || current.status !== deploy.status) return;
    const now = nowNs().toString();
    store.tx(() => {
      if (result.started) this.goLive(current, service, now);
      else this.finish(current, "update_failed", now);
    });
    if (!result.started) await this.applyLive(deploy.serviceId);
    this.startNextQueued(deploy.serviceId);
  }

  private goLive(deploy: DeployRec, service: ServiceRec, now: string): void {
    const { store } = this.app;
    for (const d of store.list<DeployRec>("deploy", deploy.serviceId)) {
      if (d.id !== deploy.id && d.data.status === "live") {
        d.data.status = "deactivated";
        d.data.updatedAt = now;
        store.put("deploy", d.id, d.data);
        store.delete("deployEnv", d.id);
      }
    }
    deploy.status = "live";
    deploy.updatedAt = now;
    deploy.startedAt ??= now;
    deploy.finishedAt = now;
    deploy.phaseEndsAt = undefined;
    store.put("deploy", deploy.id, deploy);
    if (deploy.setsImage && deploy.image && service.imagePath !== deploy.image.ref) {
      service.imagePath = deploy.image.ref;
      store.put("service", service.id, service);
    }
    recordEvent(this.app, deploy.serviceId, "deploy_ended", {
      deployId: deploy.id,
      deployStatus: "succeeded",
      reason: {},
      status: 2,
    });
  }

  private finish(deploy: DeployRec, status: DeployStatus, now: string): void {
    deploy.status = status;
    deploy.updatedAt = now;
    deploy.finishedAt = now;
    deploy.phaseEndsAt = undefined;
    this.app.store.put("deploy", deploy.id, deploy);
    // An ended deploy never runs: its captured env is no longer needed.
    this.app.store.delete("deployEnv", deploy.id);
    const t = this.timers.get(deploy.id);
    if (t) clearTimeout(t);
    this.timers.delete(deploy.id);
    // A canceled deploy's pre-deploy command is stopped, as on Render.
    this.commands.get(deploy.id)?.abort();
    recordEvent(this.app, deploy.serviceId, "deploy_ended", {
      deployId: deploy.id,
      deployStatus: status === "canceled" ? "canceled" : "failed",
      reason: {},
      status: status === "canceled" ? 4 : 3,
    });
  }

  /** Re-applies the current live deploy (after a failed one, the old version keeps serving). */
  private async applyLive(serviceId: string): Promise<void> {
    const service = this.app.store.get<ServiceRec>("service", serviceId);
    const spec = service && runtimeSpec(this.app, service);
    if (spec) await this.app.dataPlane.apply(spec).catch(() => undefined);
  }

  private startNextQueued(serviceId: string): void {
    if (this.stopped) return;
    const { store } = this.app;
    const effects: Array<() => unknown> = [];
    store.tx(() => {
      const deploys = store.list<DeployRec>("deploy", serviceId).map((d) => d.data);
      if (deploys.some((d) => isActive(d.status))) return;
      const next = deploys.filter((d) => d.status === "queued").pop();
      if (next && store.get("service", serviceId)) this.begin(next, effects);
    });
    for (const e of effects) void e();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`data plane did not answer within ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

import type { SimApp } from "../app";
import { getService, type ServiceRec } from "../domain/services";
import type { Route } from "../http/router";
import { ApiError, notFound } from "../render/errors";
import { newId } from "../render/ids";
import { sortKeys } from "../render/json";
import { microStamp, nowNs } from "../render/time";

/** A cron job run as stored (timestamps in decimal ns). */
interface CronRunRec {
  id: string;
  serviceId: string;
  status: "pending" | "successful" | "unsuccessful" | "canceled";
  startedAt: string;
  finishedAt?: string;
  triggeredBy: string;
  canceledBy?: string;
  /** Epoch ms at which a pending run ends successfully. */
  endsAt: number;
}

/** How long a triggered run takes at Render's timing (a short job; scaled by `timeScale`). */
const RUN_SECONDS = 10;

function renderRun(r: CronRunRec): Record<string, unknown> {
  return sortKeys({
    canceledBy: r.canceledBy,
    finishedAt: r.finishedAt ? microStamp(r.finishedAt) : undefined,
    id: r.id,
    startedAt: microStamp(r.startedAt),
    status: r.status,
    triggeredBy: r.triggeredBy,
  });
}

function getCronJob(app: SimApp, id: string): ServiceRec {
  const svc = getService(app, id);
  if (svc.type !== "cron_job") throw notFound(id);
  return svc;
}

/** Ends the service's pending runs whose time has come (lazily, so a restart loses nothing). */
function settleRuns(app: SimApp, serviceId: string, now = Date.now()): void {
  for (const { data: r } of app.store.list<CronRunRec>("cronRun", serviceId)) {
    if (r.status !== "pending" || r.endsAt > now) continue;
    const finishedAt = (BigInt(r.endsAt) * 1_000_000n).toString();
    app.store.put("cronRun", r.id, { ...r, status: "successful", finishedAt }, serviceId);
    const svc = app.store.get<ServiceRec>("service", serviceId);
    if (svc) app.store.put("service", svc.id, { ...svc, details: { ...svc.details, lastSuccessfulRunAt: microStamp(finishedAt) } });
  }
}

/**
 * `POST /cron-jobs/{id}/runs` (200, the new run; cancels active ones, as Render documents) and
 * `DELETE /cron-jobs/{id}/runs` (204; cancels the active run). A run is `pending` for {@link RUN_SECONDS}, then
 * `successful`, and the service's `lastSuccessfulRunAt` moves to its end.
 */
export function cronJobRoutes(): Route[] {
  return [
    {
      method: "POST",
      template: "/cron-jobs/{cronJobId}/runs",
      handler: (ctx) => {
        const { app } = ctx;
        const svc = getCronJob(app, ctx.params.cronJobId);
        if (svc.suspended) throw new ApiError(409, `cron job ${svc.id} is suspended; resume it before triggering a run`);
        settleRuns(app, svc.id);
        const now = nowNs().toString();
        for (const { data: r } of app.store.list<CronRunRec>("cronRun", svc.id)) {
          if (r.status === "pending") app.store.put("cronRun", r.id, { ...r, status: "canceled", finishedAt: now, canceledBy: "api" }, svc.id);
        }
        const run: CronRunRec = {
          id: newId("cronRun"),
          serviceId: svc.id,
          status: "pending",
          startedAt: now,
          triggeredBy: "api",
          endsAt: Date.now() + app.scaled(RUN_SECONDS),
        };
        app.store.insert("cronRun", run.id, run, svc.id);
        ctx.effects.push(() => {
          const t = setTimeout(
            () => {
              try {
                app.store.tx(() => settleRuns(app, svc.id));
              } catch {
                // The simulator may have stopped; the next request settles the run.
              }
            },
            app.scaled(RUN_SECONDS) + 5,
          );
          t.unref();
        });
        return { status: 200, body: renderRun(run) };
      },
    },
    {
      method: "DELETE",
      template: "/cron-jobs/{cronJobId}/runs",
      handler: (ctx) => {
        const { app } = ctx;
        const svc = getCronJob(app, ctx.params.cronJobId);
        settleRuns(app, svc.id);
        const now = nowNs().toString();
        for (const { data: r } of app.store.list<CronRunRec>("cronRun", svc.id)) {
          if (r.status === "pending") app.store.put("cronRun", r.id, { ...r, status: "canceled", finishedAt: now, canceledBy: "api" }, svc.id);
        }
        return { status: 204 };
      },
    },
  ];
}

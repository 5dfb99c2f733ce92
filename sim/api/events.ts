import type { EventRec } from "../domain/events";
import { getService } from "../domain/services";
import type { Route } from "../http/router";
import { paginate } from "../render/cursor";
import { notFound } from "../render/errors";
import { microStamp } from "../render/time";
import { listParam, timeParam } from "./params";

function render(e: EventRec): Record<string, unknown> {
  return { details: e.details, id: e.id, serviceId: e.serviceId, timestamp: microStamp(e.timestamp), type: e.type };
}

/** Service events (deploy started/ended, suspensions, scaling), newest first. */
export function eventRoutes(): Route[] {
  return [
    {
      method: "GET",
      template: "/services/{serviceId}/events",
      handler: (ctx) => {
        const svc = getService(ctx.app, ctx.params.serviceId);
        const types = listParam(ctx.query, "type");
        const start = timeParam(ctx.query, "startTime");
        const end = timeParam(ctx.query, "endTime");
        const rows = ctx.app.store
          .list<EventRec>("event", svc.id)
          .reverse()
          .filter(({ data: e }) => {
            const t = Date.parse(microStamp(e.timestamp));
            return (!types.length || types.includes(e.type)) && (start === undefined || t >= start) && (end === undefined || t <= end);
          });
        return {
          status: 200,
          body: paginate(
            rows,
            (r) => r.id,
            `events:${svc.id}`,
            ctx.query,
            (cursor, r) => ({ cursor, event: render(r.data) }),
          ),
        };
      },
    },
    {
      method: "GET",
      template: "/events/{eventId}",
      handler: (ctx) => {
        const e = ctx.app.store.get<EventRec>("event", ctx.params.eventId);
        if (!e) throw notFound(ctx.params.eventId);
        return { status: 200, body: render(e) };
      },
    },
  ];
}

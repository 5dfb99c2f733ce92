import type { SimApp } from "../app";
import { newId } from "../render/ids";
import { nowNs } from "../render/time";

/** A service event as stored (`GET /services/{id}/events`). */
export interface EventRec {
  id: string;
  serviceId: string;
  timestamp: string;
  type: string;
  details: Record<string, unknown>;
}

/** Records a service event (deploy started/ended, suspensions, scaling…). */
export function recordEvent(app: SimApp, serviceId: string, type: string, details: Record<string, unknown>): void {
  const id = newId("event");
  app.store.insert<EventRec>("event", id, { id, serviceId, timestamp: nowNs().toString(), type, details }, serviceId);
}

import type { SimApp } from "../app";
import { getOwner, requireOwner } from "../domain/owners";
import type { Ctx, Route } from "../http/router";
import { paginate } from "../render/cursor";
import { notFound } from "../render/errors";
import { newId } from "../render/ids";
import { sortKeys } from "../render/json";
import { listParam } from "./params";

/** A webhook as stored; Render shows `{enabled, eventFilter, id, name, secret, url}` (cassette-notes §3). */
interface WebhookRec {
  id: string;
  ownerId: string;
  name: string;
  url: string;
  enabled: boolean;
  eventFilter: string[];
}

function getWebhook(app: SimApp, id: string): WebhookRec {
  const w = app.store.get<WebhookRec>("webhook", id);
  if (!w) throw notFound(id);
  return w;
}

function renderWebhook(w: WebhookRec): Record<string, unknown> {
  return sortKeys({ enabled: w.enabled, eventFilter: w.eventFilter.length ? w.eventFilter : null, id: w.id, name: w.name, secret: "", url: w.url });
}

/** Workspace-level integrations: webhooks, the owner log stream and the metrics stream. */
export function integrationRoutes(): Route[] {
  return [
    {
      method: "POST",
      template: "/webhooks",
      handler: (ctx: Ctx) => {
        const b = ctx.body as { ownerId: string; name: string; url: string; enabled: boolean; eventFilter?: string[] };
        requireOwner(ctx.app, b.ownerId);
        const w: WebhookRec = { id: newId("webhook"), ownerId: b.ownerId, name: b.name, url: b.url, enabled: b.enabled, eventFilter: b.eventFilter ?? [] };
        ctx.app.store.insert("webhook", w.id, w, w.ownerId);
        return { status: 201, body: renderWebhook(w) };
      },
    },
    {
      method: "GET",
      template: "/webhooks",
      handler: (ctx) => {
        const owners = listParam(ctx.query, "ownerId");
        const rows = ctx.app.store
          .list<WebhookRec>("webhook")
          .reverse()
          .filter((r) => !owners.length || owners.includes(r.data.ownerId));
        return {
          status: 200,
          body: paginate(
            rows,
            (r) => r.id,
            `webhooks:${owners.join(",")}`,
            ctx.query,
            (cursor, r) => ({ cursor, webhook: renderWebhook(r.data) }),
          ),
        };
      },
    },
    { method: "GET", template: "/webhooks/{webhookId}", handler: (ctx) => ({ status: 200, body: renderWebhook(getWebhook(ctx.app, ctx.params.webhookId)) }) },
    {
      method: "PATCH",
      template: "/webhooks/{webhookId}",
      handler: (ctx) => {
        const w = getWebhook(ctx.app, ctx.params.webhookId);
        const b = (ctx.body ?? {}) as Partial<WebhookRec>;
        const next = { ...w, ...Object.fromEntries(Object.entries(b).filter(([k]) => ["name", "url", "enabled", "eventFilter"].includes(k))) } as WebhookRec;
        ctx.app.store.put("webhook", w.id, next);
        return { status: 200, body: renderWebhook(next) };
      },
    },
    {
      method: "DELETE",
      template: "/webhooks/{webhookId}",
      handler: (ctx) => {
        ctx.app.store.delete("webhook", getWebhook(ctx.app, ctx.params.webhookId).id);
        return { status: 204 };
      },
    },
    {
      method: "GET",
      template: "/webhooks/{webhookId}/events",
      handler: (ctx) => {
        getWebhook(ctx.app, ctx.params.webhookId);
        return { status: 200, body: [] };
      },
    },
    {
      method: "GET",
      template: "/logs/streams/owner/{ownerId}",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        const s = ctx.app.store.get<{ endpoint: string; preview: string }>("ownerLogStream", owner.id);
        if (!s) throw notFound(owner.id);
        return { status: 200, body: sortKeys({ endpoint: s.endpoint, ownerId: owner.id, preview: s.preview }) };
      },
    },
    {
      method: "PUT",
      template: "/logs/streams/owner/{ownerId}",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        const cur = ctx.app.store.get<{ endpoint: string; preview: string; token?: string }>("ownerLogStream", owner.id);
        const next = { endpoint: ctx.body.endpoint ?? cur?.endpoint ?? "", preview: ctx.body.preview, token: ctx.body.token ?? cur?.token };
        ctx.app.store.put("ownerLogStream", owner.id, next);
        return { status: 200, body: sortKeys({ endpoint: next.endpoint, ownerId: owner.id, preview: next.preview }) };
      },
    },
    {
      method: "DELETE",
      template: "/logs/streams/owner/{ownerId}",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        if (!ctx.app.store.delete("ownerLogStream", owner.id)) throw notFound(owner.id);
        return { status: 204 };
      },
    },
    {
      method: "GET",
      template: "/metrics-stream/{ownerId}",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        const s = ctx.app.store.get<{ provider: string; url: string }>("metricsStream", owner.id);
        if (!s) throw notFound(owner.id);
        return { status: 200, body: sortKeys({ ownerId: owner.id, provider: s.provider, url: s.url }) };
      },
    },
    {
      method: "PUT",
      template: "/metrics-stream/{ownerId}",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        const cur = ctx.app.store.get<{ provider: string; url: string; token?: string }>("metricsStream", owner.id);
        const next = { provider: ctx.body?.provider ?? cur?.provider ?? "CUSTOM", url: ctx.body?.url ?? cur?.url ?? "", token: ctx.body?.token ?? cur?.token };
        ctx.app.store.put("metricsStream", owner.id, next);
        return { status: 200, body: sortKeys({ ownerId: owner.id, provider: next.provider, url: next.url }) };
      },
    },
    {
      method: "DELETE",
      template: "/metrics-stream/{ownerId}",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        if (!ctx.app.store.delete("metricsStream", owner.id)) throw notFound(owner.id);
        return { status: 204 };
      },
    },
  ];
}

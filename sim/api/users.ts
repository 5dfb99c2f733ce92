import { getOwner } from "../domain/owners";
import { membersOf, type MemberRec, type Principal, type WorkspaceRole } from "../domain/users";
import type { Ctx, Route } from "../http/router";
import { ApiError, notFound } from "../render/errors";
import { sortKeys } from "../render/json";

function renderMember(user: { id: string; name: string; email: string }, role: WorkspaceRole): Record<string, unknown> {
  // Render's field order is not recorded for members; keys sorted like every other answer here.
  return sortKeys({ email: user.email, mfaEnabled: false, name: user.name, role, status: "active", userId: user.id });
}

function principalOfCtx(ctx: Ctx): Principal {
  if (!ctx.principal) throw new ApiError(401, "Unauthorized");
  return ctx.principal;
}

/** Managing members is an Admin's (Render: "Team members with the Admin role can manage other team members"). */
function requireAdmin(ctx: Ctx, ownerId: string): void {
  const p = principalOfCtx(ctx);
  const role = p.roles.get(ownerId);
  if (!role) throw notFound(ownerId);
  if (role !== "ADMIN") throw new ApiError(403, `only workspace Admins may manage members of ${ownerId}; the API key's user (${p.user.id}) is ${role}`);
}

/** 409 when a change would leave the workspace without an Admin (the spec lists 409 for the role update). */
function keepAnAdmin(ctx: Ctx, ownerId: string, userId: string, newRole: WorkspaceRole | undefined): void {
  if (newRole === "ADMIN") return;
  const admins = membersOf(ctx.app, ownerId).filter((m) => m.role === "ADMIN" && m.user.id !== userId);
  if (!admins.length) throw new ApiError(409, `${userId} is the last Admin of ${ownerId}: a workspace needs at least one Admin`);
}

/** `GET /users` (the key's user), `GET /owners/{ownerId}/members`, `PATCH`/`DELETE /owners/{ownerId}/members/{userId}`. */
export function userRoutes(): Route[] {
  return [
    {
      method: "GET",
      template: "/users",
      handler: (ctx) => {
        const { user } = principalOfCtx(ctx);
        return { status: 200, body: { email: user.email, name: user.name } };
      },
    },
    {
      method: "GET",
      template: "/owners/{ownerId}/members",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        if (!principalOfCtx(ctx).roles.has(owner.id)) throw notFound(owner.id);
        return { status: 200, body: membersOf(ctx.app, owner.id).map((m) => renderMember(m.user, m.role)) };
      },
    },
    {
      method: "PATCH",
      template: "/owners/{ownerId}/members/{userId}",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        requireAdmin(ctx, owner.id);
        const id = `${ctx.params.userId}:${owner.id}`;
        const rec = ctx.app.store.get<MemberRec>("member", id);
        if (!rec) throw notFound(ctx.params.userId);
        const role = (ctx.body as { role: WorkspaceRole }).role;
        keepAnAdmin(ctx, owner.id, rec.userId, role);
        ctx.app.store.put("member", id, { ...rec, role });
        const m = membersOf(ctx.app, owner.id).find((x) => x.user.id === rec.userId);
        if (!m) throw notFound(ctx.params.userId);
        return { status: 200, body: renderMember(m.user, m.role) };
      },
    },
    {
      method: "DELETE",
      template: "/owners/{ownerId}/members/{userId}",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        requireAdmin(ctx, owner.id);
        const id = `${ctx.params.userId}:${owner.id}`;
        if (!ctx.app.store.get("member", id)) throw notFound(ctx.params.userId);
        keepAnAdmin(ctx, owner.id, ctx.params.userId, undefined);
        ctx.app.store.delete("member", id);
        return { status: 204 };
      },
    },
  ];
}

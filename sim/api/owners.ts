import { getOwner, type OwnerRec } from "../domain/owners";
import type { Route } from "../http/router";
import { paginate } from "../render/cursor";
import { sortKeys } from "../render/json";
import { listParam } from "./params";

function render(o: OwnerRec): Record<string, unknown> {
  return sortKeys({ email: o.email, id: o.id, name: o.name, type: o.type });
}

export function ownerRoutes(): Route[] {
  return [
    {
      method: "GET",
      template: "/owners",
      handler: (ctx) => {
        const names = listParam(ctx.query, "name");
        const emails = listParam(ctx.query, "email");
        const rows = ctx.app.store
          .list<OwnerRec>("owner")
          .filter(({ data: o }) => (!names.length || names.includes(o.name)) && (!emails.length || emails.includes(o.email)));
        return {
          status: 200,
          body: paginate(
            rows,
            (r) => r.id,
            "owners",
            ctx.query,
            (cursor, r) => ({ cursor, owner: render(r.data) }),
          ),
        };
      },
    },
    { method: "GET", template: "/owners/{ownerId}", handler: (ctx) => ({ status: 200, body: render(getOwner(ctx.app, ctx.params.ownerId)) }) },
  ];
}

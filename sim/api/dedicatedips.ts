import { createHash } from "node:crypto";
import type { SimApp } from "../app";
import { requireOwner } from "../domain/owners";
import type { Ctx, Route } from "../http/router";
import { paginate } from "../render/cursor";
import { ApiError, notFound } from "../render/errors";
import { newId } from "../render/ids";
import { sortKeys } from "../render/json";
import { microStamp, nanoStamp, nowNs } from "../render/time";
import { listParam } from "./params";

/**
 * Dedicated IPs (`egs-` ids): a workspace's fixed outbound addresses for the environments it names. Not in the
 * May-2026 OpenAPI file (Render's Aug-2026 SDK schema has the five operations); behaviour from Render's recordings
 * of its Terraform provider (2026-05): `POST` answers 201 with `status: "CREATING"`, `ips: []` and nanosecond
 * timestamps; later reads show microseconds, `PENDING` at once, three addresses after ~6 s, a second
 * `CREATING`/`PENDING` pass and `RUNNING` after ~17.5 s. PATCH (name, description, environmentIds) echoes the whole
 * object; DELETE answers 204.
 */
interface DedicatedIpRec {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  region: string;
  environmentIds: string[];
  createdAt: string;
  /** Last change made through the API (ns); provisioning transitions are derived from `createdAt`. */
  editedAt?: string;
}

const REGIONS = ["oregon", "frankfurt", "ohio", "singapore", "virginia"] as const;

/** Provisioning as recorded (seconds after creation at Render's timing; scaled by `timeScale`). */
const PHASES: Array<{ at: number; status: string }> = [
  { at: 0, status: "CREATING" },
  { at: 0.25, status: "PENDING" },
  { at: 11.5, status: "CREATING" },
  { at: 16, status: "PENDING" },
  { at: 17.5, status: "RUNNING" },
];
const IPS_AT_SECONDS = 6;

/** Three stable documentation-range addresses per dedicated IP (RFC 5737 TEST-NET-3), derived from its id. */
function addressesOf(id: string): string[] {
  const h = createHash("sha256").update(id).digest();
  return [0, 1, 2].map((i) => `203.0.113.${(h[i] % 250) + 1 + i}`);
}

function msOf(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n);
}

/** The record as Render shows it at this moment (status and addresses follow the recorded provisioning). */
function renderDedicatedIp(app: SimApp, rec: DedicatedIpRec, opts: { created?: boolean } = {}): Record<string, unknown> {
  const created = msOf(rec.createdAt);
  const elapsed = opts.created ? 0 : Date.now() - created;
  const passed = PHASES.filter((p) => elapsed >= app.scaled(p.at));
  const phase = passed[passed.length - 1];
  const transitionNs = BigInt(rec.createdAt) + BigInt(Math.round(app.scaled(phase.at))) * 1_000_000n;
  const ipsNs = BigInt(rec.createdAt) + BigInt(Math.round(app.scaled(IPS_AT_SECONDS))) * 1_000_000n;
  const hasIps = elapsed >= app.scaled(IPS_AT_SECONDS);
  let updated = transitionNs;
  if (hasIps && ipsNs > updated) updated = ipsNs;
  if (rec.editedAt && BigInt(rec.editedAt) > updated) updated = BigInt(rec.editedAt);
  const stamp = opts.created ? nanoStamp : microStamp;
  return sortKeys({
    createdAt: stamp(rec.createdAt),
    description: rec.description,
    environmentIds: rec.environmentIds,
    id: rec.id,
    ips: hasIps ? addressesOf(rec.id) : [],
    name: rec.name,
    ownerId: rec.ownerId,
    region: rec.region,
    status: phase.status,
    updatedAt: stamp(opts.created ? rec.createdAt : updated.toString()),
  });
}

function getDedicatedIp(app: SimApp, id: string): DedicatedIpRec {
  const rec = app.store.get<DedicatedIpRec>("dedicatedIp", id);
  if (!rec) throw notFound(id);
  return rec;
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const v = body[name];
  if (v === undefined) {
    if (required) throw new ApiError(400, `missing required field "${name}"`);
    return undefined;
  }
  if (typeof v !== "string") throw new ApiError(400, `invalid type for "${name}": must be string`);
  if (required && !v.trim()) throw new ApiError(400, `invalid value for "${name}": must not be empty`);
  return v;
}

function environmentIdsField(app: SimApp, body: Record<string, unknown>, ownerId: string): string[] | undefined {
  const v = body.environmentIds;
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((e) => typeof e !== "string"))
    throw new ApiError(400, `invalid type for "environmentIds": must be an array of environment ids (evm-…)`);
  for (const id of v as string[]) {
    const env = app.store.get<{ projectId: string }>("environment", id);
    const project = env ? app.store.get<{ ownerId: string }>("project", env.projectId) : undefined;
    if (!env || (project && project.ownerId !== ownerId)) throw notFound(id);
  }
  return [...new Set(v as string[])];
}

function bodyOf(ctx: Ctx): Record<string, unknown> {
  const b = ctx.body;
  if (b === undefined || b === null || typeof b !== "object" || Array.isArray(b)) throw new ApiError(400, "missing request body: send a JSON object");
  return b as Record<string, unknown>;
}

export function dedicatedIpRoutes(): Route[] {
  return [
    {
      method: "POST",
      template: "/dedicated-ips",
      handler: (ctx) => {
        const b = bodyOf(ctx);
        const ownerId = stringField(b, "ownerId", true)!;
        const name = stringField(b, "name", true)!;
        const region = stringField(b, "region", true)!;
        if (!(REGIONS as readonly string[]).includes(region)) throw new ApiError(400, `invalid value for "region": must be one of ${REGIONS.join(", ")}`);
        requireOwner(ctx.app, ownerId);
        const rec: DedicatedIpRec = {
          id: newId("dedicatedIp"),
          ownerId,
          name,
          description: stringField(b, "description", false) ?? "",
          region,
          environmentIds: environmentIdsField(ctx.app, b, ownerId) ?? [],
          createdAt: nowNs().toString(),
        };
        ctx.app.store.insert("dedicatedIp", rec.id, rec, ownerId);
        return { status: 201, body: renderDedicatedIp(ctx.app, rec, { created: true }) };
      },
    },
    {
      method: "GET",
      template: "/dedicated-ips",
      handler: (ctx) => {
        const owners = listParam(ctx.query, "ownerId");
        const regions = listParam(ctx.query, "region");
        const rows = ctx.app.store
          .list<DedicatedIpRec>("dedicatedIp")
          .reverse()
          .filter(({ data: d }) => (!owners.length || owners.includes(d.ownerId)) && (!regions.length || regions.includes(d.region)));
        // Render's list convention (bare array of `{cursor, <item>}`), as for every other list of its API.
        return {
          status: 200,
          body: paginate(
            rows,
            (r) => r.id,
            `dedicated-ips:${owners.join(",")}`,
            ctx.query,
            (cursor, r) => ({ cursor, dedicatedIp: renderDedicatedIp(ctx.app, r.data) }),
          ),
        };
      },
    },
    {
      method: "GET",
      template: "/dedicated-ips/{dedicatedIpId}",
      handler: (ctx) => ({ status: 200, body: renderDedicatedIp(ctx.app, getDedicatedIp(ctx.app, ctx.params.dedicatedIpId)) }),
    },
    {
      method: "PATCH",
      template: "/dedicated-ips/{dedicatedIpId}",
      handler: (ctx) => {
        const rec = getDedicatedIp(ctx.app, ctx.params.dedicatedIpId);
        const b = bodyOf(ctx);
        const name = stringField(b, "name", false);
        if (name !== undefined && !name.trim()) throw new ApiError(400, `invalid value for "name": must not be empty`);
        const description = stringField(b, "description", false);
        const envs = environmentIdsField(ctx.app, b, rec.ownerId);
        const next: DedicatedIpRec = {
          ...rec,
          ...(name !== undefined ? { name } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(envs !== undefined ? { environmentIds: envs } : {}),
          editedAt: nowNs().toString(),
        };
        ctx.app.store.put("dedicatedIp", rec.id, next);
        return { status: 200, body: renderDedicatedIp(ctx.app, next) };
      },
    },
    {
      method: "DELETE",
      template: "/dedicated-ips/{dedicatedIpId}",
      handler: (ctx) => {
        ctx.app.store.delete("dedicatedIp", getDedicatedIp(ctx.app, ctx.params.dedicatedIpId).id);
        return { status: 204 };
      },
    },
  ];
}

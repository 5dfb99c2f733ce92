import type { StackBaseline } from "../config";
import { inputsHash } from "./canonical";
import { ProtectedSet } from "./protected";

/**
 * Building a stack's baseline from its state (`pulumi stack export --show-secrets`): which resources represent
 * AlphaStack (their id is AlphaStack's, or their type is a `ProtectedRef`), read (`.get`, `external` in state) or
 * managed (pinned by the hash of their inputs), and the stack's own Render ids for environment isolation.
 */

/** A resource as `pulumi stack export` writes it. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  external?: boolean;
  protect?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces the export's secret envelopes by their plaintext; throws when a secret is still encrypted. */
export function decodeSecrets(v: unknown, where = "(state)"): unknown {
  if (Array.isArray(v)) return v.map((x, i) => decodeSecrets(x, `${where}[${i}]`));
  if (!v || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (o[SECRET_SIG] === SECRET_VALUE) {
    if (typeof o.plaintext === "string") return decodeSecrets(JSON.parse(o.plaintext), where);
    if ("value" in o) return decodeSecrets(o.value, where);
    throw new Error(`${where} is an encrypted secret: export the state with --show-secrets so that its pin can be computed.`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = decodeSecrets(x, `${where}.${k}`);
  return out;
}

const RENDER_ID = /^[a-z]{3}-[a-z0-9]{8,}(-[a-z])?$/;

function isInfra(type: string): boolean {
  return type.startsWith("pulumi:providers:") || type === "pulumi:pulumi:Stack";
}

/** Whether a state resource stands for AlphaStack, and which id it stands for. */
export function alphaStackIdOf(r: StateResource, set: ProtectedSet): string | undefined {
  if (isInfra(r.type)) return undefined;
  if (r.id && set.exact(r.id)) return set.exact(r.id)!.token;
  if (/:ProtectedRef$/.test(r.type)) {
    for (const v of Object.values(r.inputs ?? {})) if (typeof v === "string" && set.exact(v)) return set.exact(v)!.token;
    return r.id ?? r.urn;
  }
  return undefined;
}

/** The baseline entry of one stack, from its state resources. */
export function buildStackBaseline(resources: readonly StateResource[], set: ProtectedSet, source: string): StackBaseline {
  const entries: StackBaseline["resources"] = [];
  const inventory = new Set<string>();
  for (const r of resources) {
    const id = alphaStackIdOf(r, set);
    if (id) {
      entries.push(
        r.external
          ? { urn: r.urn, type: r.type, id, mode: "read" }
          : { urn: r.urn, type: r.type, id, mode: "managed", inputsHash: inputsHash(decodeSecrets(r.inputs ?? {}, r.urn) as Record<string, unknown>) },
      );
      continue;
    }
    if (isInfra(r.type) || r.external) continue;
    if (r.id && RENDER_ID.test(r.id)) inventory.add(r.id);
    for (const k of ["ownerId", "environmentId"]) {
      const v = r.inputs?.[k];
      if (typeof v === "string" && RENDER_ID.test(v) && !set.exact(v)) inventory.add(v);
    }
    if (/render:CustomDomain$/.test(r.type) && typeof r.inputs?.name === "string") inventory.add(r.inputs.name);
  }
  entries.sort((a, b) => a.urn.localeCompare(b.urn));
  return { resources: entries, inventory: [...inventory].sort(), source };
}

/** Human-readable differences between two baselines of a stack, one line each (empty when equal). */
export function diffStackBaseline(before: StackBaseline | undefined, after: StackBaseline): string[] {
  const out: string[] = [];
  const old = new Map((before?.resources ?? []).map((e) => [e.urn, e]));
  const now = new Map(after.resources.map((e) => [e.urn, e]));
  for (const [urn, e] of now) {
    const o = old.get(urn);
    if (!o) out.push(`+ pin ${e.mode} ${urn} (${e.id})${e.inputsHash ? ` ${e.inputsHash}` : ""}`);
    else if (o.mode !== e.mode || o.inputsHash !== e.inputsHash || o.id !== e.id)
      out.push(`~ pin ${urn}: ${o.mode} ${o.inputsHash ?? ""} → ${e.mode} ${e.inputsHash ?? ""}`);
  }
  for (const [urn, o] of old) if (!now.has(urn)) out.push(`- pin ${o.mode} ${urn} (${o.id})`);
  const oldInv = new Set(before?.inventory ?? []);
  for (const i of after.inventory) if (!oldInv.has(i)) out.push(`+ inventory ${i}`);
  for (const i of oldInv) if (!after.inventory.includes(i)) out.push(`- inventory ${i}`);
  return out;
}

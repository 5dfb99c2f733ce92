import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { EdgeAdminClient } from "../../edge-contract/client";

type FlagAdmin = EdgeAdminClient["flags"];
import type { FlagEntryResponse } from "../../flags/admin-api";
import { FLAG_KEY_PATTERN, type FlagDefinition } from "../../flags/definition";
import { overrideMatchesDeclared, type FlagOverride } from "../../flags/override";
import { expandRefs } from "../../flags/refs";
import { validateFlagSet } from "../../flags/validate";
import { checkWith, UNKNOWN } from "../check";
import { changedFields, same } from "../diff";
import { resourceFields } from "../fields";
import { adminTokenInput, edgeAccess, edgeUrlInput, requireEdgeAccess } from "./edge-admin-access";

/** Checked inputs of a FeatureFlag (the definition itself is checked against our model and the flagd schema). */
const featureFlagInputsSchema = z
  .object({
    /** The flag key apps ask for; changing it replaces the flag. */
    key: z.string().regex(FLAG_KEY_PATTERN, "key must be letters, digits, '.', '_' or '-' (max 128)"),
    definition: z.record(z.string(), z.unknown()),
    evaluators: z.record(z.string(), z.unknown()).optional(),
    edgeUrl: edgeUrlInput,
    adminToken: adminTokenInput,
  })
  .strict();
type FeatureFlagInputs = z.infer<typeof featureFlagInputsSchema>;

/** Outputs: inputs plus the live override and revision. */
/** What the edge holds besides the declaration. */
const featureFlagComputedSchema = z.object({
  /** The live kill-switch override on the edge, if any (`null` when none). */
  override: z.custom<FlagOverride | null>(),
  /** The edge's flag revision after the last write. */
  revision: z.string(),
});

/**
 * The key and the edge identify the flag (a change is a new flag, deleted first); the definition, its evaluators and
 * the token are the one PUT of the flag (a new token is re-recorded). The live override is compared too (diff).
 */
export const featureFlagFields = resourceFields(
  featureFlagInputsSchema,
  { key: "replace", definition: "update", evaluators: "update", edgeUrl: "replace", adminToken: "update" },
  featureFlagComputedSchema,
);

/** The inputs `check` returns: the declaration and the live override (read there, so the diff sees a kill switch). */
type FeatureFlagCheckedInputs = FeatureFlagInputs & { override?: FlagOverride | null };

/** Outputs: the declaration, the live override and the revision. */
export type FeatureFlagOutputs = FeatureFlagInputs & z.output<typeof featureFlagComputedSchema>;

function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

/** The definition as stored on the edge: `$ref`s inlined, validated as a one-flag flagd set. */
function storedDefinition(i: Pick<FeatureFlagInputs, "key" | "definition" | "evaluators">): FlagDefinition {
  const set = expandRefs({ flags: { [i.key]: i.definition as FlagDefinition }, ...(i.evaluators ? { $evaluators: i.evaluators } : {}) });
  return set.flags[i.key]!;
}

/** A client for writes (waits for the edge to be ready with the token; see edge-admin-access.ts). */
function writer(i: Pick<FeatureFlagInputs, "edgeUrl" | "adminToken" | "key">): FlagAdmin {
  return new EdgeAdminClient(requireEdgeAccess(i, `FeatureFlag "${i.key}"`)).flags;
}

/** A client for reads, or `undefined` when no token is known (state recorded before adminToken was an input). */
function reader(i: Partial<Pick<FeatureFlagInputs, "edgeUrl" | "adminToken">>): FlagAdmin | undefined {
  const opts = edgeAccess(i, "read");
  return opts && new EdgeAdminClient(opts).flags;
}

function outputs(i: FeatureFlagInputs, e: FlagEntryResponse): FeatureFlagOutputs {
  const { override: _checked, ...inputs } = i as FeatureFlagInputs & { override?: unknown };
  return { ...inputs, override: e.override ?? null, revision: e.revision };
}

/**
 * Writes the definition, then reconciles a live override: cleared when the declaration now says the same thing
 * (config caught up with reality), kept otherwise. A definition write never touches an override by itself.
 */
async function writeAndReconcile(i: FeatureFlagInputs): Promise<FeatureFlagOutputs> {
  const c = writer(i);
  const declared = storedDefinition(i);
  let entry = await c.put(i.key, declared);
  if (entry.override && overrideMatchesDeclared(declared, entry.override)) entry = await c.clearOverride(i.key);
  return outputs(i, entry);
}

/** The live override on the edge; when the edge cannot be asked, the last recorded one (never a guess of "none"). */
async function liveOverride(i: FeatureFlagInputs, recorded: FlagOverride | null | undefined): Promise<FlagOverride | null> {
  try {
    const c = reader(i);
    if (!c) return recorded ?? null;
    const live = await c.get(i.key);
    return live?.override ?? null;
  } catch {
    return recorded ?? null;
  }
}

/**
 * The dynamic provider for `stackguard:FeatureFlag`.
 *
 * Kill-switch reconciliation: `check` reads the live override from the edge and returns it as the `override` input,
 * so the engine records it and `preview` prints it as a property change (`+ override: {state: "off", by, reason}`)
 * the first time it appears, and `- override` when it goes away. `diff` therefore reports it without a refresh, and
 * `update` never undoes it: the definition write leaves overrides alone, and an override is cleared only when the
 * declared definition already behaves the same way (declared DISABLED / off variant for `off`, ENABLED for `on`).
 */
const featureFlagProvider = {
  async check(olds: Partial<FeatureFlagOutputs> | undefined, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<FeatureFlagCheckedInputs>> {
    const base = checkWith("FeatureFlag", featureFlagInputsSchema, news);
    if (base.failures?.length) return base;
    // Not known yet (preview of a new stack: the edge's URL and token are still to be created): the live override is
    // unknown too, never "absent", or `up --plan` would find an `override` the reviewed plan did not have.
    // UNKNOWN is the engine's marker of a value not known yet (a string where an override would be).
    if (hasUnknown(news)) return { ...base, inputs: { ...(base.inputs as FeatureFlagInputs), override: UNKNOWN } as unknown as FeatureFlagCheckedInputs };
    const i = base.inputs as FeatureFlagInputs;
    const r = validateFlagSet({ flags: { [i.key]: i.definition }, ...(i.evaluators ? { $evaluators: i.evaluators } : {}) });
    if (!r.ok) {
      const prefix = `flags.${i.key}`;
      return {
        inputs: news as FeatureFlagCheckedInputs, // failed: the engine shows the given inputs
        failures: r.issues.map((x) => {
          const field = x.path.startsWith(prefix) ? `definition${x.path.slice(prefix.length)}` : x.path.replace(/^\$evaluators/, "evaluators");
          return { property: field.split(".")[0]!, reason: `FeatureFlag "${i.key}": ${field}: ${x.message}` };
        }),
      };
    }
    const recorded = olds?.key === i.key ? olds.override : null;
    return { inputs: { ...i, override: await liveOverride(i, recorded) }, failures: [] };
  },

  async create(inputs: FeatureFlagInputs) {
    const outs = await writeAndReconcile(inputs);
    return { id: inputs.key, outs };
  },

  async read(id: string, props?: FeatureFlagOutputs) {
    if (!props) return { id }; // nothing recorded: no edge to ask
    // No token (state from before adminToken was an input) or no answer: keep what was recorded; refresh must
    // neither fail nor invent drift. The next `up` records the token.
    const c = reader(props);
    if (!c) return { id, props };
    let live: FlagEntryResponse | undefined;
    try {
      live = await c.get(id);
    } catch {
      return { id, props };
    }
    if (!live) return { id, props: { ...props, definition: {}, override: null } as FeatureFlagOutputs };
    // The live definition replaces the recorded one, so `refresh` shows edits made behind Pulumi's back.
    return { id, props: { ...props, definition: live.definition as Record<string, unknown>, override: live.override ?? null, revision: live.revision } };
  },

  async diff(_id: string, olds: FeatureFlagOutputs, news: FeatureFlagCheckedInputs) {
    const changed = changedFields(featureFlagFields.diffSpec, olds, news);
    const replaces = changed.filter((f) => (featureFlagFields.replace as readonly string[]).includes(f));
    // A new token (rotation, or state recorded before adminToken was an input) is an update: it is re-recorded.
    let changes = changed.length > 0 || !same(olds.override, news.override);
    if (!changes) {
      // Drift of the definition itself (edited through the admin API): the edge is the truth.
      try {
        const live = await reader(news)!.get(news.key);
        changes = !live || !same(live.definition, storedDefinition(news));
      } catch {
        /* edge unreachable: inputs decide */
      }
    }
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async update(_id: string, _olds: FeatureFlagOutputs, news: FeatureFlagInputs) {
    return { outs: await writeAndReconcile(news) };
  },

  async delete(id: string, props: FeatureFlagOutputs) {
    await writer({ ...props, key: id }).remove(id);
  },
} satisfies pulumi.dynamic.ResourceProvider<FeatureFlagCheckedInputs, FeatureFlagOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = featureFlagProvider;

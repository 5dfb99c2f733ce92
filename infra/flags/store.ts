import { createHash } from "node:crypto";
import { z } from "zod";
import { FlagdCore } from "@openfeature/flagd-core";
import type { EvaluationContext, FlagMetadata, FlagValue, JsonValue, Logger, ResolutionDetails } from "@openfeature/core";
import { flagType, FlagSetSchema, type FlagDefinition, type FlagSet, type FlagType } from "./definition";
import { applyOverride, FlagOverridesSchema, type FlagOverride } from "./override";
import { FlagValidationError, parseFlagSet } from "./validate";

/** The outcome of evaluating one flag for one context, type-agnostic (as OFREP returns it). */
export interface FlagEvaluation {
  key: string;
  /** `false` when no flag has this key. */
  found: boolean;
  type?: FlagType;
  /** Absent when the flag is disabled or the evaluation failed: the caller must use its code default. */
  value?: JsonValue;
  variant?: string;
  /** OpenFeature reason: STATIC, DEFAULT, TARGETING_MATCH, DISABLED, ERROR… */
  reason: string;
  /** OpenFeature error code when `reason` is ERROR (FLAG_NOT_FOUND, PARSE_ERROR, GENERAL, TYPE_MISMATCH…). */
  errorCode?: string;
  errorMessage?: string;
  metadata: FlagMetadata;
}

/** What the edge persists so that a restart keeps both the declared flags and any live kill switch. */
export const FlagStoreSnapshotSchema = z.object({ flags: FlagSetSchema, overrides: FlagOverridesSchema }).strict();
/** See {@link FlagStoreSnapshotSchema}. */
export type FlagStoreSnapshot = z.infer<typeof FlagStoreSnapshotSchema>;

/** Placeholders handed to flagd-core's typed resolvers; never returned (see `evaluate`). */
const PLACEHOLDER: Record<FlagType, FlagValue> = { boolean: false, string: "", number: 0, object: {} };

const quietLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * The current flag definitions plus kill-switch overrides, evaluated by `@openfeature/flagd-core`.
 *
 * Overrides are applied by rewriting the served definition (see `applyOverride`), never by short-circuiting
 * evaluation, so every value comes out of flagd-core exactly as flagd would compute it. Each change rebuilds the
 * core from the effective document and bumps `revision`, which the OFREP layer folds into its ETags.
 */
export class FlagStore {
  private set: FlagSet = { flags: {} };
  private readonly live = new Map<string, FlagOverride>();
  private core = new FlagdCore(undefined, quietLogger);
  private rev = "";
  private readonly listeners = new Set<(revision: string) => void>();

  constructor(initial?: { flags?: unknown; overrides?: Record<string, FlagOverride> }) {
    if (initial?.flags) this.set = parseFlagSet(initial.flags);
    // Overrides of flags that no longer exist are dropped, as replaceFlagSet does.
    for (const [k, o] of Object.entries(initial?.overrides ?? {})) if (k in this.set.flags) this.live.set(k, o);
    this.rebuild();
  }

  /** Restores a store from what {@link snapshot} returned (validated: a corrupt snapshot throws, naming the field). */
  static fromSnapshot(snapshot: unknown): FlagStore {
    const s = FlagStoreSnapshotSchema.parse(snapshot);
    return new FlagStore({ flags: s.flags, overrides: s.overrides });
  }

  /** Definitions and overrides, for persistence. */
  snapshot(): FlagStoreSnapshot {
    return { flags: structuredClone(this.set), overrides: Object.fromEntries(this.live) };
  }

  /** A short hash of the effective document; changes whenever anything served could change. */
  get revision(): string {
    return this.rev;
  }

  /** The declared flag set (without overrides). */
  definitions(): FlagSet {
    return structuredClone(this.set);
  }

  /** One declared flag, or undefined. */
  definition(key: string): FlagDefinition | undefined {
    const d = this.set.flags[key];
    return d && structuredClone(d);
  }

  /** Replaces the whole declared set (validated first; on failure nothing changes). Overrides of removed flags are dropped. */
  replaceFlagSet(input: unknown): void {
    const next = parseFlagSet(input);
    this.set = next;
    for (const k of [...this.live.keys()]) if (!(k in next.flags)) this.live.delete(k);
    this.rebuild();
  }

  /** Adds or replaces one flag, validating the set it would produce. */
  upsertFlag(key: string, def: unknown): void {
    this.replaceFlagSetKeepingOverrides({ ...this.set, flags: { ...this.set.flags, [key]: def } });
  }

  /** Removes a flag and its override; returns whether it existed. */
  removeFlag(key: string): boolean {
    if (!(key in this.set.flags)) return false;
    const flags = { ...this.set.flags };
    delete flags[key];
    this.live.delete(key);
    this.replaceFlagSetKeepingOverrides({ ...this.set, flags });
    return true;
  }

  /** Replaces the shared `$evaluators` (validated against every flag that uses them). */
  setEvaluators(evaluators: Record<string, unknown> | undefined): void {
    const next: Record<string, unknown> = { ...this.set };
    if (evaluators && Object.keys(evaluators).length) next.$evaluators = evaluators;
    else delete next.$evaluators;
    this.replaceFlagSetKeepingOverrides(next);
  }

  private replaceFlagSetKeepingOverrides(input: unknown): void {
    this.set = parseFlagSet(input);
    this.rebuild();
  }

  /** The kill switch: sets an override on an existing flag. */
  setOverride(key: string, override: FlagOverride): void {
    if (!(key in this.set.flags)) {
      throw new FlagValidationError([
        { path: "key", message: `no flag '${key}' is defined; known flags: ${Object.keys(this.set.flags).join(", ") || "(none)"}` },
      ]);
    }
    this.live.set(key, override);
    this.rebuild();
  }

  /** Removes an override; returns whether there was one. */
  clearOverride(key: string): boolean {
    const had = this.live.delete(key);
    if (had) this.rebuild();
    return had;
  }

  /** The live override of a flag, if any. */
  override(key: string): FlagOverride | undefined {
    return this.live.get(key);
  }

  /** All live overrides. */
  overrides(): Record<string, FlagOverride> {
    return Object.fromEntries(this.live);
  }

  /** Called with the new revision after every change (the edge persists and notifies from here). */
  onChange(listener: (revision: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Typed resolution, straight from flagd-core (TYPE_MISMATCH when `type` is not the flag's type). */
  resolve<T extends FlagValue>(type: FlagType, key: string, defaultValue: T, context: EvaluationContext = {}): ResolutionDetails<T> {
    return this.core.resolve(type, key, defaultValue, context);
  }

  /** Evaluates one flag at its own type (OFREP semantics: the server does not know the caller's type). */
  evaluate(key: string, context: EvaluationContext = {}): FlagEvaluation {
    const def = this.set.flags[key];
    if (!def) {
      return { key, found: false, reason: "ERROR", errorCode: "FLAG_NOT_FOUND", errorMessage: `flag '${key}' not found`, metadata: {} };
    }
    const type = flagType(def);
    const r = this.core.resolve(type, key, PLACEHOLDER[type], context);
    const metadata = r.flagMetadata ?? {};
    if (r.reason === "DISABLED") return { key, found: true, type, reason: "DISABLED", metadata };
    if (r.errorCode) {
      return { key, found: true, type, reason: "ERROR", errorCode: r.errorCode, errorMessage: r.errorMessage, metadata };
    }
    if (r.variant === undefined) return { key, found: true, type, reason: r.reason ?? "DEFAULT", metadata };
    return { key, found: true, type, value: r.value as JsonValue, variant: r.variant, reason: r.reason ?? "UNKNOWN", metadata };
  }

  /** Evaluates every flag (disabled and failed ones included, without a value), sorted by key. */
  evaluateAll(context: EvaluationContext = {}): FlagEvaluation[] {
    return Object.keys(this.set.flags)
      .sort()
      .map((k) => this.evaluate(k, context));
  }

  private rebuild(): void {
    const flags: Record<string, FlagDefinition> = {};
    for (const [k, d] of Object.entries(this.set.flags)) flags[k] = applyOverride(d, this.live.get(k));
    const effective = JSON.stringify({ ...this.set, flags });
    const core = new FlagdCore(undefined, quietLogger);
    core.setConfigurations(effective);
    this.core = core;
    this.rev = createHash("sha256").update(effective).digest("base64url").slice(0, 16);
    for (const l of this.listeners) l(this.rev);
  }
}

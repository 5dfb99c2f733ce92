import { createHash } from "node:crypto";
import { isUnknown } from "./values";

/**
 * The fingerprint pinned for a resource that represents AlphaStack: sha256 over a canonical JSON of its inputs
 * (object keys sorted, `undefined` dropped), without `__provider`. `__provider` is the serialized dynamic-provider
 * closure: it changes with every compile of the provider code, which says nothing about what the resource does.
 */

/** Canonical JSON: sorted keys at every level, no whitespace; throws on an unknown (preview) value. */
export function canonicalJson(value: unknown): string {
  if (isUnknown(value)) throw new UnknownInputError();
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

/** Raised when an input is not known yet, so no fingerprint can be computed. */
export class UnknownInputError extends Error {
  constructor() {
    super("an input is not known until the update runs");
    this.name = "UnknownInputError";
  }
}

/** `sha256:<hex>` of the canonical inputs, `__provider` excluded. */
export function inputsHash(inputs: Record<string, unknown>): string {
  // stackguardProviderDigest (the provider code's digest, issue 14 g) is checked by production-resource-allowlist.
  const { __provider: _ignored, stackguardProviderDigest: _digest, ...rest } = inputs;
  return `sha256:${createHash("sha256").update(canonicalJson(rest)).digest("hex")}`;
}

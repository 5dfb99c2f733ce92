import { createHash } from "node:crypto";
import type { StackBaseline } from "../config";
import { canonicalJson } from "./canonical";

/**
 * The digest that makes a hand edit of `policies/baseline.json` visible (issue 14 b). It is not a secret signature
 * (anyone can run `npm run baseline`): it ties every pin, the inventory and the source of a stack's entry to the
 * stack name under a fixed domain-separation string, so that editing the file by hand (deleting a pin, pasting a
 * hash, copying another stack's entry) breaks it, and the only way to a valid file is the script, whose output is
 * reviewed as a diff (CODEOWNERS).
 */

/** Domain separation: a digest of anything else never equals a baseline digest. */
export const BASELINE_DIGEST_DOMAIN = "stackguard/policies/baseline.json/v1";

/** `sha256:<hex>` of a stack's entry (its `digest` field excluded). */
export function baselineDigest(stack: string, entry: StackBaseline): string {
  const { digest: _d, ...content } = entry;
  const body = canonicalJson({ stack, resources: content.resources, inventory: content.inventory, source: content.source ?? null });
  return `sha256:${createHash("sha256").update(`${BASELINE_DIGEST_DOMAIN}\n`).update(body).digest("hex")}`;
}

/** The entry with its digest (what `npm run baseline` writes). */
export function signStackBaseline(stack: string, entry: StackBaseline): StackBaseline {
  const { digest: _d, ...content } = entry;
  return { ...content, digest: baselineDigest(stack, content) };
}

/** Why a stack's entry is not a valid `npm run baseline` output, or undefined when it is. */
export function baselineDigestProblem(stack: string, entry: StackBaseline | undefined): string | undefined {
  if (!entry) return `the baseline has no entry for stack ${stack}`;
  if (!entry.digest) return `the baseline entry for stack ${stack} has no digest`;
  if (entry.digest !== baselineDigest(stack, entry)) return `the baseline entry for stack ${stack} does not match its digest (edited by hand?)`;
  return undefined;
}

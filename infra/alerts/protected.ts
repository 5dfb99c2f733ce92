import { ALPHASTACK_NAMES, ALPHASTACK_OWNER_ID, ALPHASTACK_PROTECTED_IDS } from "../alphastack/identity";

/**
 * AlphaStack production's identifiers: the provider guard's protected ids plus the names people write in rules
 * (service, database and env group names, and the workspace owner). A rule about any of them may notify, but its
 * action must be `none`, and no action may name one of them.
 *
 * Pass the stack config's `stackguard:alphaStack` ids (`idsFromAlphaStackConfig` in `infra/providers/guard.ts`) as
 * `extraProtected` to cover additions.
 */
export const ALPHASTACK_IDENTIFIERS: readonly string[] = [...ALPHASTACK_PROTECTED_IDS, ALPHASTACK_OWNER_ID, ...Object.keys(ALPHASTACK_NAMES)];

/** Whether `name` is AlphaStack: a listed identifier, or anything named `alphastack…` / under `alphastack.example`. */
export function isAlphaStack(name: string | undefined, extraProtected: readonly string[] = []): boolean {
  if (!name) return false;
  const n = name.trim().toLowerCase();
  return n.startsWith("alphastack") || n.endsWith(".alphastack.example") || [...ALPHASTACK_IDENTIFIERS, ...extraProtected].some((id) => id.toLowerCase() === n);
}

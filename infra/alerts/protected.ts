/**
 * AlphaStack production's identifiers (the seeded, read-only services this project must never act on). A rule about
 * any of them may notify, but its action must be `none`, and no action may name one of them.
 *
 * The stack config (`stackguard:alphaStack`) lists the same ids; pass them as `extraProtected` to cover additions.
 */
export const ALPHASTACK_IDENTIFIERS: readonly string[] = [
  "tea-alphastackprod000000",
  "prj-alphastackprod000000",
  "evm-alphastackprod000000",
  "srv-alphastackengine0000",
  "alphastack-engine",
  "srv-alphastackworker0000",
  "alphastack-worker",
  "dpg-alphastackdb00000000-a",
  "alphastack-db",
  "evg-alphastackenv0000000",
  "alphastack-env",
  "engine.alphastack.example",
];

/** Whether `name` is (or is a name within) AlphaStack: any listed identifier, or anything named `alphastack…`. */
export function isAlphaStack(name: string | undefined, extraProtected: readonly string[] = []): boolean {
  if (!name) return false;
  const n = name.trim().toLowerCase();
  return n.startsWith("alphastack") || n.endsWith(".alphastack.example") || [...ALPHASTACK_IDENTIFIERS, ...extraProtected].some((id) => id.toLowerCase() === n);
}

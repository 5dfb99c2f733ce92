/**
 * Canonical form of a container image reference, as Render reports it: `nginx` comes back as
 * `docker.io/library/nginx:latest` (cassette: background worker). Comparing canonical forms keeps `preview` from
 * showing an update for a name Render merely spelled out.
 */
export function canonicalImage(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  let r = ref.trim();
  const first = r.split("/")[0];
  const hasRegistry = r.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasRegistry) r = `docker.io/${r.includes("/") ? r : `library/${r}`}`;
  const lastSeg = r.split("/").pop() ?? "";
  if (!lastSeg.includes(":") && !lastSeg.includes("@")) r = `${r}:latest`;
  return r;
}

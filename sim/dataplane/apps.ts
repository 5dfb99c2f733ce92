import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * `stackguard/<app>:<tag>` (optionally with a `docker.io/` or `index.docker.io/` registry, as Render normalises
 * image refs, and a digest) names one of the project's own programs, `apps/<app>/index.ts`.
 */
const OWN_IMAGE = /^(?:(?:index\.)?docker\.io\/)?stackguard\/([a-z0-9][a-z0-9_-]*)(?::([\w][\w.-]{0,127}))?(?:@sha256:[0-9a-f]{64})?$/;

/** The project program an image runs, when it names one. */
export interface OwnApp {
  name: string;
  tag: string;
  /** Absolute path of `apps/<app>/index.ts`. */
  entry: string;
}

/**
 * Resolves an image to one of the project's apps. `undefined` when the image is not `stackguard/<app>` or
 * `apps/<app>/` does not exist (a plain image: served by a synthetic app). Throws when `apps/<app>/` exists but has
 * no `index.ts` entry point, since that is a broken app rather than a foreign image.
 */
export function resolveOwnApp(image: string | undefined, repoRoot: string): OwnApp | undefined {
  if (!image) return undefined;
  const m = OWN_IMAGE.exec(image.trim());
  if (!m) return undefined;
  const dir = join(repoRoot, "apps", m[1]);
  if (!existsSync(dir)) return undefined;
  const entry = join(dir, "index.ts");
  if (!existsSync(entry)) throw new Error(`image ${image} names apps/${m[1]}/, which has no index.ts entry point; add apps/${m[1]}/index.ts`);
  return { name: m[1], tag: m[2] ?? "latest", entry };
}

/** The tag of any image ref (`latest` when none), for version strings. */
export function imageTag(image: string): string {
  const noDigest = image.split("@")[0];
  const last = noDigest.split("/").pop() ?? "";
  const i = last.indexOf(":");
  return i >= 0 ? last.slice(i + 1) : "latest";
}

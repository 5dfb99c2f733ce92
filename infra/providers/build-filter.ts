import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { minimatch } from "minimatch";

/**
 * Verifies a Render build filter against a local checkout of the repository it filters, so a glob that matches no
 * file (a typo, a moved directory: the service would then never rebuild, or always) is rejected by `check` instead of
 * being discovered after a push. Without a checkout nothing can be verified: the globs are only shape-checked.
 */

/** Render's build filter. */
export interface BuildFilterInput {
  paths?: string[];
  ignoredPaths?: string[];
}

/** A problem with a build filter, at a field path relative to the resource's inputs. */
export interface BuildFilterProblem {
  path: (string | number)[];
  message: string;
}

/** Directories never walked when the checkout is not a git work tree (they are never in a repository). */
const SKIP_DIRS = new Set([".git", "node_modules"]);
/** Bounds for the walk of a non-git checkout: a filter check must stay fast and finite. */
const MAX_FILES = 200_000;
const GIT_TIMEOUT_MS = 10_000;

/**
 * The repository-relative paths of the files in a checkout: `git ls-files` (tracked files, what Render sees) when it
 * is a git work tree, else a bounded walk of the directory.
 * @throws Error naming the directory when it does not exist
 */
export function listRepoFiles(checkout: string): string[] {
  const root = path.resolve(checkout);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${checkout} is not a directory`);
  try {
    const out = execFileSync("git", ["ls-files", "-z"], {
      cwd: root,
      timeout: GIT_TIMEOUT_MS,
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 * 1024 * 1024,
    });
    const files = out.toString("utf8").split("\0").filter(Boolean);
    if (files.length) return files;
  } catch {
    // Not a git work tree (or git missing): fall back to the files on disk.
  }
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (files.length >= MAX_FILES) return;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(path.join(dir, e.name));
      } else if (e.isFile()) files.push(path.relative(root, path.join(dir, e.name)).split(path.sep).join("/"));
    }
  };
  walk(root);
  return files;
}

/** Does a Render build filter glob match a repository path? (`dot`: `.github/**` is a valid filter.) */
function globMatches(glob: string, file: string): boolean {
  return minimatch(file, glob, { dot: true });
}

/**
 * Every glob must match at least one file, and the filter as a whole (paths minus ignoredPaths) must leave at least
 * one file that can trigger a build.
 */
export function buildFilterProblems(filter: BuildFilterInput, files: readonly string[], checkout: string): BuildFilterProblem[] {
  const problems: BuildFilterProblem[] = [];
  const paths = filter.paths ?? [];
  const ignored = filter.ignoredPaths ?? [];
  for (const [field, globs] of [
    ["paths", paths],
    ["ignoredPaths", ignored],
  ] as const) {
    globs.forEach((g, i) => {
      if (!files.some((f) => globMatches(g, f))) {
        problems.push({
          path: ["buildFilter", field, i],
          message: `buildFilter.${field}[${i}] ${JSON.stringify(g)} matches no file in ${checkout}: fix the glob (e.g. apps/web/**) or remove it`,
        });
      }
    });
  }
  if (!problems.length) {
    const triggering = files.filter((f) => (paths.length === 0 || paths.some((g) => globMatches(g, f))) && !ignored.some((g) => globMatches(g, f)));
    if (!triggering.length) {
      problems.push({
        path: ["buildFilter"],
        message: `buildFilter leaves no file in ${checkout} that can trigger a build (every file matched by paths is also in ignoredPaths): narrow ignoredPaths`,
      });
    }
  }
  return problems;
}

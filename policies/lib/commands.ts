import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJson, UnknownInputError } from "./canonical";
import { isUnknown } from "./values";

/**
 * What a `command:*` resource runs, as one digest (issue 14 g): its command lines (create/update/delete, the
 * interpreter, the directory and the environment) plus the content of every repository file the command lines name
 * (`./bin/migrate`, `node scripts/report.js`, `bash -c 'sh scripts/x.sh'`). A change to the command or to a script it
 * runs changes the digest, so the production allowlist's entry no longer matches and the change needs review.
 */

/** The input fields of `@pulumi/command`'s Command that decide what runs. */
export const COMMAND_FIELDS = ["create", "update", "delete", "interpreter", "dir", "environment", "stdin"] as const;

/** A repository file a command line names, with its content's hash. */
export interface CommandScript {
  path: string;
  sha256: string;
  content: string;
}

/** Tokens of a shell command line that could be paths (quotes removed, split on shell operators). */
function pathTokens(line: string): string[] {
  return line
    .split(/[\s;&|()<>`"'=]+/)
    .map((t) => t.replace(/^\$\{?[A-Za-z_]*\}?\//, "").trim())
    .filter((t) => t && /[./]/.test(t) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(t) && !t.startsWith("-"));
}

/** Repository files (under `root`) that the command lines name, resolved from `dir` and from the root. */
export function scriptsOf(lines: readonly string[], root: string, dir?: string): CommandScript[] {
  const out = new Map<string, CommandScript>();
  const rootAbs = path.resolve(root);
  for (const line of lines) {
    for (const token of pathTokens(line)) {
      for (const base of [dir ? path.resolve(rootAbs, dir) : undefined, rootAbs].filter((b): b is string => !!b)) {
        const abs = path.resolve(base, token);
        if (!abs.startsWith(rootAbs + path.sep) || out.has(abs)) continue;
        let stat: fs.Stats;
        try {
          stat = fs.statSync(abs);
        } catch {
          continue;
        }
        if (!stat.isFile() || stat.size > 1_000_000) continue;
        const content = fs.readFileSync(abs, "utf8");
        out.set(abs, { path: path.relative(rootAbs, abs), sha256: createHash("sha256").update(content).digest("hex"), content });
      }
    }
  }
  return [...out.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** The command lines of a Command's inputs (known strings only). */
export function commandLines(props: Record<string, unknown>): string[] {
  return ["create", "update", "delete"].map((k) => props[k]).filter((v): v is string => typeof v === "string" && !isUnknown(v));
}

/**
 * `sha256:<hex>` of what the command runs: its fields and the scripts it names (by path and content hash).
 * @throws UnknownInputError when a field is not known at preview (an id computed during the update)
 */
export function commandDigest(props: Record<string, unknown>, root: string): { digest: string; scripts: CommandScript[] } {
  const fields: Record<string, unknown> = {};
  for (const k of COMMAND_FIELDS) if (props[k] !== undefined) fields[k] = props[k];
  const body = canonicalJson(fields); // throws UnknownInputError on an unknown value
  const dir = typeof props.dir === "string" ? props.dir : undefined;
  const scripts = scriptsOf(commandLines(props), root, dir);
  const h = createHash("sha256").update("stackguard/command/v1\n").update(body);
  for (const s of scripts) h.update(`\n${s.path}\0${s.sha256}`);
  return { digest: `sha256:${h.digest("hex")}`, scripts };
}

export { UnknownInputError };

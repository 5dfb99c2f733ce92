import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { z } from "zod";

/**
 * Runs squawk (squawk-cli 2.66.0, a Postgres migration linter) on SQL files. Its binary comes from the npm registry
 * as a per-platform optional dependency (`@squawk-cli/linux-x64`), so it installs offline with the pack's `npm ci`.
 * Results are cached per file content for the life of the policy process.
 */

/** One squawk finding, line 1-based. */
export interface SqlFinding {
  file: string;
  line: number;
  rule: string;
  message: string;
}

const ReportSchema = z.array(z.object({ file: z.string(), line: z.number().int(), rule_name: z.string(), message: z.string() }).passthrough());

/** Raised when squawk cannot run or answers something unreadable: the lint must not pass silently. */
export class SquawkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SquawkError";
  }
}

/** The squawk binary for this platform, installed under the pack's node_modules. */
export function squawkBinary(): string {
  const req = createRequire(path.join(__dirname, "..", "package.json"));
  const pkg = `@squawk-cli/${process.platform}-${process.arch}`;
  try {
    return req.resolve(`${pkg}/bin/${process.platform === "win32" ? "squawk.exe" : "squawk"}`);
  } catch {
    throw new SquawkError(
      `squawk is not installed for ${process.platform}-${process.arch} (${pkg}): run npm ci in policies/ (optional dependencies included).`,
    );
  }
}

const cache = new Map<string, SqlFinding[]>();

/** Lints each file; throws {@link SquawkError} when squawk fails. `timeoutMs` bounds the whole run. */
export function lintSqlFiles(files: readonly string[], timeoutMs = 20_000): Map<string, SqlFinding[]> {
  const result = new Map<string, SqlFinding[]>();
  const todo: string[] = [];
  const keyOf = new Map<string, string>();
  for (const f of files) {
    const key = createHash("sha256").update(fs.readFileSync(f)).digest("hex");
    keyOf.set(f, key);
    const hit = cache.get(key);
    if (hit)
      result.set(
        f,
        hit.map((x) => ({ ...x, file: f })),
      );
    else todo.push(f);
  }
  if (!todo.length) return result;
  const r = spawnSync(squawkBinary(), ["--reporter", "json", ...todo], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 });
  if (r.error)
    throw new SquawkError(`squawk could not run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); the migration lint cannot pass without it.`);
  let parsed: z.infer<typeof ReportSchema>;
  try {
    parsed = ReportSchema.parse(JSON.parse(r.stdout || "[]"));
  } catch {
    throw new SquawkError(`squawk exited ${r.status} without a JSON report: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  }
  for (const f of todo) result.set(f, []);
  for (const x of parsed) {
    const file = todo.find((f) => path.resolve(f) === path.resolve(x.file)) ?? x.file;
    const list = result.get(file) ?? [];
    list.push({ file, line: x.line + 1, rule: x.rule_name, message: x.message });
    result.set(file, list);
  }
  for (const f of todo) cache.set(keyOf.get(f)!, result.get(f)!);
  return result;
}

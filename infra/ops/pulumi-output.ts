import { LineState } from "../redact";
import type { PulumiRunner } from "./pulumi-runner";

/**
 * Redaction of what our scripts print from `pulumi` (the gate, `pulumi-up.sh` and the other workflow scripts,
 * `npm run rollback`, …).
 *
 * Why: the pinned engine's diagnostics print resource inputs in plain text, secrets included. A plan violation
 * (`pulumi up --plan`) prints the planned and the actual value of every changed property, e.g.
 * `violates plan: properties changed: ~=values[{…EDGE_ADMIN_TOKEN:{<token>}…}]`, and the engine cannot be changed.
 *
 * Three layers, applied to every line:
 * 1. plan violations: the values are cut out structurally, leaving the property names (`~=values[…]`). This also
 *    hides secrets nobody could list in advance (a value that only the saved plan holds, such as a rotated secret);
 * 2. literal values: the job's secret environment variables, the stack's secret config values and every secret value
 *    in the stack's state (env var values, tokens, connection strings, secret outputs), collected before the run;
 * 3. credential shapes (URL user-info and `password=` parameters, libpq / JDBC passwords, Authorization and API-key
 *    headers, GitHub / Pulumi / Render / Slack tokens, Slack webhook URLs, private keys), from infra/redact.
 *
 * Limit: a secret first created during the run itself (a new RandomPassword, a new database's password) is not in
 * the state yet when the values are collected; layers 1 and 3 still apply to it.
 */

/** The secret environment variables' names and values: one list for every redactor (infra/redact). */
export { secretEnvValues } from "../redact";

/** Shortest value taken from config (shorter ones would mangle ordinary words). */
const MIN_EXPLICIT = 6;
/**
 * Shortest value taken from the state, where "secret" also covers values secret only because they travel with others
 * (`STACKGUARD_ENVIRONMENT: production`, `EDGE_DRAIN_TIMEOUT_MS: 5000`): those are not redacted.
 */
const MIN_FROM_STATE = 8;

/** The engine's marker of a secret in `stack export` JSON. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** Every string inside `v` (nested arrays and objects), appended to `out`; returns `out`. */
export function stringLeaves(v: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 64) return out;
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringLeaves(x, out, depth + 1);
  else if (v && typeof v === "object") for (const x of Object.values(v)) stringLeaves(x, out, depth + 1);
  return out;
}

/** Every string inside a secret of a `pulumi stack export --show-secrets` document. */
export function secretsInStateExport(doc: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 256 || !v || typeof v !== "object") return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] === SECRET_SIG_VALUE && "plaintext" in o) {
      let value: unknown = o.plaintext;
      try {
        value = JSON.parse(String(o.plaintext));
      } catch {
        /* a plain string */
      }
      stringLeaves(value, out);
      // A JSON-valued secret can be printed whole as well as by its parts.
      if (typeof value !== "string") out.push(String(o.plaintext));
      return;
    }
    for (const x of Object.values(o)) walk(x, depth + 1);
  };
  walk(doc, 0);
  return out;
}

/** Every string of the secret values of a `pulumi config --show-secrets --json` document. */
export function secretsInConfig(doc: unknown): string[] {
  const out: string[] = [];
  if (!doc || typeof doc !== "object") return out;
  for (const entry of Object.values(doc as Record<string, { value?: unknown; objectValue?: unknown; secret?: boolean }>)) {
    if (!entry || entry.secret !== true) continue;
    stringLeaves(entry.objectValue ?? entry.value, out);
  }
  return out;
}

function worthRedacting(v: string, min: number, stack: string): boolean {
  const t = v.trim();
  return t.length >= min && !/^\d+$/.test(t) && t !== stack && !["staging", "production"].includes(t);
}

/**
 * The stack's secret values for redaction: its secret config values (`pulumi config --show-secrets`) and every
 * secret in its state (`pulumi stack export --show-secrets`: env values, tokens, connection strings, secret outputs).
 * A call that fails (no such stack yet, no state) contributes nothing. The values stay in memory; nothing is written.
 */
export async function stackSecretsForRedaction(pulumi: PulumiRunner, stack: string): Promise<string[]> {
  const out = new Set<string>();
  const [config, state] = await Promise.all([
    pulumi(["config", "--show-secrets", "--json", "--stack", stack]).catch(() => undefined),
    pulumi(["stack", "export", "--show-secrets", "--stack", stack]).catch(() => undefined),
  ]);
  const parse = (text: string | undefined): unknown => {
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      return undefined;
    }
  };
  if (config?.code === 0) for (const v of secretsInConfig(parse(config.stdout))) if (worthRedacting(v, MIN_EXPLICIT, stack)) out.add(v);
  if (state?.code === 0) for (const v of secretsInStateExport(parse(state.stdout))) if (worthRedacting(v, MIN_FROM_STATE, stack)) out.add(v);
  return [...out];
}

const VIOLATION = "violates plan: properties changed: ";
/** A changed property as the engine lists it: its expected and actual operation, then its key (config keys have `:`). */
const NAME = /^[~+\-=]{1,2}[A-Za-z_$][\w$.:/-]*/;

/**
 * Streaming redactor for pulumi's output: feed it chunks, it emits whole lines with plan-violation values cut out
 * and secret values replaced by `[REDACTED]`. A violation value spanning lines (a multi-line secret) is dropped
 * until its brackets close.
 */
export class PulumiOutputRedactor {
  private pending = "";
  /** Bracket depth of a violation value still open at the end of the previous line (0: none). */
  private depth = 0;
  /** Literal values and credential shapes, with the state of a private key printed over several lines. */
  private readonly redaction = new LineState();

  constructor(private readonly secrets: ReadonlyArray<string | undefined>) {}

  /** Redacts a chunk; returns the complete lines it finished (with their newlines). */
  write(chunk: string): string {
    this.pending += chunk;
    const end = this.pending.lastIndexOf("\n");
    if (end < 0) return "";
    const lines = this.pending.slice(0, end + 1);
    this.pending = this.pending.slice(end + 1);
    return lines
      .split(/(?<=\n)/)
      .map((l) => this.line(l))
      .join("");
  }

  /** Redacts whatever is left (a last line without a newline). */
  end(): string {
    const rest = this.pending;
    this.pending = "";
    return rest ? this.line(rest) : "";
  }

  private line(raw: string): string {
    const nl = raw.endsWith("\n") ? "\n" : "";
    let text = nl ? raw.slice(0, -1) : raw;
    if (this.depth > 0) {
      // Inside a multi-line violation value: drop it up to its closing bracket.
      const close = this.closing(text, 0);
      if (close < 0) return "";
      text = `  …${this.entries(text.slice(close + 1), true)}`;
    } else {
      const at = text.indexOf(VIOLATION);
      if (at >= 0) text = text.slice(0, at + VIOLATION.length) + this.entries(text.slice(at + VIOLATION.length), false);
    }
    const out = this.redaction.line(text, this.secrets);
    return out === undefined ? "" : out + nl;
  }

  /** Index of the bracket that brings `this.depth` back to 0, scanning from `from`; -1 when the line ends first. */
  private closing(s: string, from: number): number {
    for (let i = from; i < s.length; i++) {
      if (s[i] === "[") this.depth++;
      else if (s[i] === "]" && --this.depth === 0) return i;
    }
    return -1;
  }

  /** `~=values[{…}], =+verify[{true}]` → `~=values[…], =+verify[…]`; anything unexpected hides the rest. */
  private entries(s: string, continuing: boolean): string {
    const out: string[] = [];
    let i = 0;
    if (continuing) {
      if (s.startsWith(", ")) i = 2;
      else return s.length ? " …" : "";
    }
    while (i < s.length) {
      const m = NAME.exec(s.slice(i));
      if (!m) {
        out.push("…");
        break;
      }
      let entry = m[0];
      i += m[0].length;
      if (s[i] === "[") {
        this.depth = 0;
        const close = this.closing(s, i);
        entry += "[…]";
        if (close < 0) {
          out.push(entry); // the value goes on over the next lines: dropped there
          break;
        }
        i = close + 1;
      }
      out.push(entry);
      if (s.startsWith(", ", i)) i += 2;
      else if (i < s.length) {
        out.push("…");
        break;
      }
    }
    return (continuing ? ", " : "") + out.join(", ");
  }
}

/** {@link PulumiOutputRedactor} over a whole text. */
export function redactPulumiOutput(text: string, secrets: ReadonlyArray<string | undefined>): string {
  const r = new PulumiOutputRedactor(secrets);
  return r.write(text) + r.end();
}

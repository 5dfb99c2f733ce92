import { ALPHASTACK_LABELS, ALPHASTACK_NAMES, ALPHASTACK_PROTECTED_IDS } from "../../infra/alphastack/identity";

export { ALPHASTACK_NAMES };

/**
 * What "AlphaStack production" means to the pack: Render ids, host names and resource names. The set is the union
 * of the built-in ids (the same list the providers' write guard uses), the ids in the stack's own
 * `stackguard:alphaStack` config, the ids recorded in the baseline, and any extra ids in the policy config. Every
 * source can only add: a pull request that edits one of them cannot shrink what is protected.
 */

/** One protected thing and how to describe it in a message. */
export interface ProtectedEntry {
  /** The id, host or name as written. */
  token: string;
  kind: "id" | "host" | "name";
  /** Human label, e.g. `AlphaStack service alphastack-engine`. */
  label: string;
}

// AlphaStack's resource names (ALPHASTACK_NAMES): the providers create-or-adopt by name, so a name is as good as an id.

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ID = /^[a-z]{3}-[a-z0-9]{8,}(-[a-z])?$/;

function labelFor(token: string): string {
  if (ALPHASTACK_LABELS[token]) return ALPHASTACK_LABELS[token];
  if (ALPHASTACK_NAMES[token]) return `${ALPHASTACK_NAMES[token]} (${token})`;
  const kind = {
    srv: "service",
    crn: "cron job",
    evg: "env group",
    dpg: "database",
    red: "key value store",
    evm: "environment",
    prj: "project",
    cdm: "custom domain",
  }[token.slice(0, 3)];
  return kind ? `AlphaStack ${kind} ${token}` : `protected ${token}`;
}

/** Strips the replica suffix of a Postgres id: `dpg-x-a` and `dpg-x-b` are one database. */
function baseId(id: string): string {
  const m = /^(dpg-[a-z0-9]+)-[a-z]$/.exec(id);
  return m ? m[1] : id;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A protected set with a matcher over free text (commands, URLs, connection strings). */
export class ProtectedSet {
  private readonly entries = new Map<string, ProtectedEntry>();
  private pattern: RegExp | undefined;
  private order: Array<[string, ProtectedEntry]> = [];

  /** @param tokens ids, hosts or names; classified by shape. Labels come from the built-in table. */
  constructor(tokens: Iterable<string> = []) {
    for (const id of ALPHASTACK_PROTECTED_IDS) this.add(id);
    for (const name of Object.keys(ALPHASTACK_NAMES)) this.add(name, "name");
    for (const t of tokens) this.add(t);
  }

  /** Adds one token (ignored when empty). */
  add(token: string, kind?: ProtectedEntry["kind"]): void {
    const t = token.trim().toLowerCase();
    if (!t) return;
    const k = kind ?? (ID.test(t) ? "id" : HOST.test(t) ? "host" : "name");
    const key = k === "id" ? baseId(t) : t;
    if (!this.entries.has(key)) this.entries.set(key, { token: t, kind: k, label: labelFor(t) });
    this.pattern = undefined;
  }

  /** Every entry. */
  list(): ProtectedEntry[] {
    return [...this.entries.values()];
  }

  /** The entry an exact value is (an id, its replica, a host or a name), if any. */
  exact(value: string): ProtectedEntry | undefined {
    const v = value.trim().toLowerCase();
    return this.entries.get(baseId(v)) ?? this.entries.get(v);
  }

  /**
   * Protected ids and hosts mentioned anywhere in `text` (a Postgres id also matches its host names and connection
   * strings; a host matches its subdomains). Names are matched only when `withNames` is set: they are ordinary words
   * in most fields, but a command naming `alphastack-engine` acts on it.
   */
  mentions(text: string, withNames = false): ProtectedEntry[] {
    if (!this.pattern) {
      this.order = [...this.entries.entries()];
      const alts = this.order.map(([key, e], i) => {
        const body = e.kind === "host" ? `(?:[a-z0-9-]+\\.)*${escape(key)}` : escape(key);
        const after = e.kind === "id" ? "(?![a-z0-9])" : e.kind === "host" ? "(?![a-z0-9-]|\\.[a-z0-9])" : "(?![a-z0-9_-])";
        return `(?<![a-z0-9_-])(?<t${i}>${body})${after}`;
      });
      this.pattern = new RegExp(alts.join("|"), "gi");
    }
    const found = new Map<string, ProtectedEntry>();
    for (const m of text.matchAll(this.pattern)) {
      for (const [g, v] of Object.entries(m.groups ?? {})) {
        if (v === undefined) continue;
        const e = this.order[Number(g.slice(1))]?.[1];
        if (e && (withNames || e.kind !== "name")) found.set(e.token, e);
      }
    }
    return [...found.values()];
  }
}

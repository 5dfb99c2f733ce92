/**
 * Maps ids (and cursors) recorded in a cassette to the ones the simulator handed out, learnt by walking each
 * recorded response next to the simulator's answer, and rewrites later requests with them.
 */
const ID = /^(srv|crn|dep|evg|dpg|prj|evm|tea|cdm|dsk|hdr|rdr|exp|red|whk|egs)-[a-z0-9]{20}(-[a-z])?$/;

export class IdMap {
  private readonly map = new Map<string, string>();

  constructor(ownerAliases: string[], simOwner: string) {
    for (const a of ownerAliases) this.map.set(a, simOwner);
  }

  set(recorded: string, actual: string): void {
    if (!this.map.has(recorded)) this.map.set(recorded, actual);
  }

  get(recorded: string): string | undefined {
    return this.map.get(recorded);
  }

  /** Learns from a recorded body and the simulator's body of the same shape. */
  learn(recorded: unknown, actual: unknown, key?: string): void {
    if (typeof recorded === "string" && typeof actual === "string") {
      if (ID.test(recorded) || key === "cursor" || key === "deployId") this.set(recorded, actual);
      // Postgres replica ids derive from the primary's: learn the shared root too.
      const m = /^(dpg-[a-z0-9]{20})-a$/.exec(recorded);
      const n = /^(dpg-[a-z0-9]{20})-a$/.exec(actual);
      if (m && n) {
        this.set(`${m[1]}-b`, `${n[1]}-b`);
        this.set(`${m[1]}-c`, `${n[1]}-c`);
      }
      return;
    }
    if (Array.isArray(recorded) && Array.isArray(actual)) {
      recorded.forEach((r, i) => this.learn(r, actual[i]));
      return;
    }
    if (recorded && actual && typeof recorded === "object" && typeof actual === "object") {
      for (const [k, v] of Object.entries(recorded)) this.learn(v, (actual as Record<string, unknown>)[k], k);
    }
  }

  /** A recorded string with every known id replaced (whole strings and `/`-separated path segments). */
  rewrite(s: string): string {
    const whole = this.map.get(s);
    if (whole !== undefined) return whole;
    return s
      .split("/")
      .map((seg) => this.map.get(seg) ?? seg)
      .join("/");
  }

  /** Deep-rewrites a recorded JSON request body. */
  rewriteJson(value: unknown): unknown {
    if (typeof value === "string") return this.rewrite(value);
    if (Array.isArray(value)) return value.map((v) => this.rewriteJson(v));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.rewriteJson(v)]));
    return value;
  }
}

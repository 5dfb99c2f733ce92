import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SealedBox } from "./crypto";

/** Object kinds kept in the `docs` table. Secret kinds are encrypted at rest. */
export type Kind =
  | "owner"
  | "service"
  | "deploy"
  | "deployEnv"
  | "svcEnv"
  | "svcFile"
  | "customDomain"
  | "envGroup"
  | "grpEnv"
  | "grpFile"
  | "postgres"
  | "pgExport"
  | "project"
  | "environment"
  | "membership"
  | "notifOverride"
  | "ownerNotif"
  | "logStream"
  | "disk"
  | "header"
  | "route"
  | "event"
  | "keyValue"
  | "webhook"
  | "ownerLogStream"
  | "metricsStream"
  | "dedicatedIp"
  | "cronRun"
  // Users, workspace memberships and API-key hashes (sim/domain/users.ts).
  | "user"
  | "member"
  | "apiKey";

const SECRET_KINDS: ReadonlySet<Kind> = new Set<Kind>([
  "deployEnv",
  "svcEnv",
  "svcFile",
  "grpEnv",
  "grpFile",
  "postgres",
  "keyValue",
  "webhook",
  "ownerLogStream",
  "metricsStream",
]);

/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS: string[] = [
  `CREATE TABLE docs (
     kind   TEXT NOT NULL,
     id     TEXT NOT NULL,
     parent TEXT,
     seq    INTEGER NOT NULL,
     body   TEXT NOT NULL,
     PRIMARY KEY (kind, id)
   );
   CREATE INDEX docs_parent ON docs (kind, parent, seq);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

interface Row {
  id: string;
  parent: string | null;
  seq: number;
  body: string;
}

/** A stored document with its list position (`seq` grows with every insert). */
export interface Doc<T> {
  id: string;
  parent: string | null;
  seq: number;
  data: T;
}

/**
 * The simulator's state: one SQLite file (`<stateDir>/sim.db`, WAL) of JSON documents by kind. better-sqlite3 is
 * synchronous and Node runs one request handler at a time, so each request's writes, done inside `tx`, are atomic
 * and never interleave with another request's.
 */
export class Store {
  readonly db: Database.Database;
  private readonly box: SealedBox;
  private seq: number;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.box = SealedBox.open(stateDir);
    this.db = new Database(join(stateDir, "sim.db"), { timeout: 5000 });
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.migrate();
    this.seq = (this.db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM docs").get() as { s: number }).s;
  }

  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `state schema version ${version} is newer than this simulator (${MIGRATIONS.length}); use a newer stackguard or a fresh --state directory`,
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  tx<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn)();
  }

  private decode<T>(kind: Kind, row: Row): Doc<T> {
    const text = SECRET_KINDS.has(kind) ? this.box.unseal(row.body) : row.body;
    return { id: row.id, parent: row.parent, seq: row.seq, data: JSON.parse(text) as T };
  }

  private encode(kind: Kind, data: unknown): string {
    const text = JSON.stringify(data);
    return SECRET_KINDS.has(kind) ? this.box.seal(text) : text;
  }

  get<T>(kind: Kind, id: string): T | undefined {
    return this.getDoc<T>(kind, id)?.data;
  }

  getDoc<T>(kind: Kind, id: string): Doc<T> | undefined {
    const row = this.db.prepare("SELECT id, parent, seq, body FROM docs WHERE kind = ? AND id = ?").get(kind, id) as Row | undefined;
    return row ? this.decode<T>(kind, row) : undefined;
  }

  /** Documents of `kind` (optionally under `parent`) in insertion order. */
  list<T>(kind: Kind, parent?: string): Doc<T>[] {
    const rows = (
      parent === undefined
        ? this.db.prepare("SELECT id, parent, seq, body FROM docs WHERE kind = ? ORDER BY seq").all(kind)
        : this.db.prepare("SELECT id, parent, seq, body FROM docs WHERE kind = ? AND parent = ? ORDER BY seq").all(kind, parent)
    ) as Row[];
    return rows.map((r) => this.decode<T>(kind, r));
  }

  /** Inserts (or replaces, moving it to the end of its list) a document. */
  insert<T>(kind: Kind, id: string, data: T, parent: string | null = null): Doc<T> {
    const seq = ++this.seq;
    this.db.prepare("INSERT OR REPLACE INTO docs (kind, id, parent, seq, body) VALUES (?, ?, ?, ?, ?)").run(kind, id, parent, seq, this.encode(kind, data));
    return { id, parent, seq, data };
  }

  /** Updates a document in place (keeps its list position); inserts it when missing. */
  put<T>(kind: Kind, id: string, data: T, parent: string | null = null): void {
    const res = this.db.prepare("UPDATE docs SET body = ? WHERE kind = ? AND id = ?").run(this.encode(kind, data), kind, id);
    if (res.changes === 0) this.insert(kind, id, data, parent);
  }

  delete(kind: Kind, id: string): boolean {
    return this.db.prepare("DELETE FROM docs WHERE kind = ? AND id = ?").run(kind, id).changes > 0;
  }

  deleteChildren(kind: Kind, parent: string): void {
    this.db.prepare("DELETE FROM docs WHERE kind = ? AND parent = ?").run(kind, parent);
  }

  getMeta(key: string): string | undefined {
    return (this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(key, value);
  }

  close(): void {
    this.db.close();
  }
}

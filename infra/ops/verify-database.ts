import type { RenderClient } from "../render/client";
import type { Postgres } from "../render/schemas/postgres";

/** One check of a restored database, with what was seen (never a credential). */
export interface VerificationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The result of {@link verifyRestoredDatabase}. */
export interface Verification {
  ok: boolean;
  checks: VerificationCheck[];
  /** What could not be checked through Render's API, said plainly. */
  limits: string[];
}

/**
 * Checks what Render's API can show about a restored database: it is `available` and not suspended, it is a new
 * instance (not the source), it has the source's version and region, and its connection info is complete and
 * consistent (Postgres URLs naming its own user and database). Render's API runs no SQL, so the data itself is not
 * queried here: `limits` says so, and docs/recovery.md gives the `psql` check to run before the `up`.
 */
export async function verifyRestoredDatabase(client: RenderClient, restored: Postgres, source: Postgres): Promise<Verification> {
  const db = await client.postgres.get(restored.id);
  const checks: VerificationCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  add("status", db.status === "available", `status is '${db.status}'`);
  add("not suspended", db.suspended !== "suspended", `suspended: ${db.suspended ?? "not_suspended"}`);
  add("new instance", db.id !== source.id, `${db.id} (source ${source.id})`);
  add("same version", db.version === source.version, `version ${db.version} (source ${source.version})`);
  add("same region", db.region === source.region, `region ${db.region} (source ${source.region})`);
  let info;
  try {
    info = await client.postgres.connectionInfo(db.id);
  } catch (e) {
    add("connection info", false, `cannot read it: ${(e as Error).message}`);
  }
  if (info) {
    const urls = [["internal", info.internalConnectionString], ["external", info.externalConnectionString]] as const;
    for (const [kind, raw] of urls) {
      let detail = "missing";
      let ok = false;
      try {
        const u = new URL(raw);
        ok = /^postgres(ql)?:$/.test(u.protocol) && decodeURIComponent(u.username) === db.databaseUser && u.pathname.replace(/^\//, "") === db.databaseName && u.password.length > 0;
        detail = ok ? `postgres URL for ${db.databaseUser}@${u.hostname}/${db.databaseName}` : `does not name user ${db.databaseUser} and database ${db.databaseName}`;
      } catch {
        detail = raw ? "not a URL" : "missing";
      }
      add(`${kind} connection string`, ok, detail);
    }
    add("password", info.password.length > 0, info.password.length > 0 ? "present" : "missing");
  }
  return {
    ok: checks.every((c) => c.ok),
    checks,
    limits: ["Render's API runs no SQL: the data was not queried. Check it with psql before the up (docs/recovery.md, step 3)."],
  };
}

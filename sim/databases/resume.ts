import type { SimApp } from "../app";
import type { PostgresRec } from "../api/postgres";
import type { KeyValueRec } from "../api/keyvalue";
import { SEED } from "../seed";
import { ALPHASTACK_SEED_SQL } from "./alphastack-seed";

/** The seed data of a database id, when it has one (AlphaStack's production database). */
function seedSqlFor(id: string): string | undefined {
  return id === SEED.postgres ? ALPHASTACK_SEED_SQL : undefined;
}

/** Key Value persistence as Render shows it (`options.persistenceMode`): none on the free plan. */
export function persistenceOf(plan: string): "off" | "aof" {
  return plan === "free" ? "off" : "aof";
}

/**
 * At simulator start: every Postgres and Key Value record gets its real server back (started on its data, or
 * provisioned when it has none yet, e.g. AlphaStack's seeded database in a new state directory).
 */
export async function startDatabases(app: SimApp): Promise<void> {
  const { postgres, redis } = app.databases;
  const pgs = app.store.list<PostgresRec>("postgres").map((d) => d.data);
  const kvs = app.store.list<KeyValueRec>("keyValue").map((d) => d.data);
  await Promise.all([
    postgres?.startAll(pgs, (inst) => {
      const rec = pgs.find((p) => p.id === inst.id)!;
      // A recovery the simulator was stopped in the middle of is done again from its source.
      const m = rec.recoveredFrom ? /^(.+)@(.+)$/.exec(rec.recoveredFrom) : null;
      const source = m ? pgs.find((p) => p.id === m[1]) : undefined;
      if (m && source) return postgres.recover(source, inst, new Date(m[2]));
      return postgres.provision(inst, seedSqlFor(inst.id));
    }),
    redis?.startAll(
      kvs.map((k) => ({ id: k.id, password: k.password, maxmemoryPolicy: k.maxmemoryPolicy, persistence: persistenceOf(k.plan), suspended: k.suspended })),
    ),
  ]);
}

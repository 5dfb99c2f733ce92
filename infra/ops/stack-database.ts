import type { StackConfig } from "../config/schema";
import { ALPHASTACK_PROTECTED_IDS } from "../providers/guard";
import type { RenderClient } from "../render/client";
import type { Postgres } from "../render/schemas/postgres";
import { RestoreInputError } from "./restore-errors";

/** True when a database id is AlphaStack's: the built-in ids or the stack config's `alphaStack.databases`. */
export function isAlphaStackDatabase(id: string, cfg: Pick<StackConfig, "alphaStack">): boolean {
  const primary = id.replace(/-[a-z]$/, "");
  return [...ALPHASTACK_PROTECTED_IDS, ...cfg.alphaStack.databases].some((p) => p.replace(/-[a-z]$/, "") === primary);
}

/**
 * The database a stack's apps use now: the last restore's (`stackguard:database.restore.id`) when there is one,
 * else the one named by `stackguard:database.name` in the stack's workspace.
 * @throws RestoreInputError when it is missing, ambiguous, or AlphaStack's
 */
export async function findStackDatabase(client: RenderClient, stack: string, cfg: StackConfig): Promise<Postgres> {
  const restored = cfg.database.restore;
  let db: Postgres;
  if (restored) {
    db = await client.postgres.get(restored.id).catch((e: Error) => {
      throw new RestoreInputError(
        "stackguard:database.restore.id",
        `cannot read ${restored.id} (${e.message}); fix or remove stackguard:database.restore in Pulumi.${stack}.yaml`,
      );
    });
  } else {
    const { name } = cfg.database;
    const ownerId = cfg.render.ownerId;
    const matches = (await client.postgres.list({ name: [name], ownerId: [ownerId] })).filter((p) => p.name === name);
    if (matches.length === 0) {
      throw new RestoreInputError(
        "stackguard:database.name",
        `no Postgres named '${name}' in workspace ${ownerId} (stack '${stack}'): deploy the stack first or fix the name in Pulumi.${stack}.yaml`,
      );
    }
    if (matches.length > 1) {
      throw new RestoreInputError(
        "stackguard:database.name",
        `${matches.length} Postgres instances are named '${name}' in workspace ${ownerId} (${matches.map((p) => p.id).join(", ")}): rename the extra ones so the stack's database is unambiguous`,
      );
    }
    db = matches[0];
  }
  if (isAlphaStackDatabase(db.id, cfg)) {
    throw new RestoreInputError(
      restored ? "stackguard:database.restore.id" : "stackguard:database.name",
      `${db.id} is one of AlphaStack's databases, which this project never restores, repoints or changes; fix Pulumi.${stack}.yaml`,
    );
  }
  return db;
}

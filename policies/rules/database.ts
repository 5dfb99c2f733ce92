import { str, stringsIn } from "../lib/values";
import { describeResource, Environment, notApplicable, ResourceFacts, RuleResult, TYPES, violations } from "./types";

/**
 * `production-database-writes`: in production, nothing but the migration step writes to a database. The migration
 * step is a service's `preDeployCommand` (Render runs it once per deploy, before the new version takes traffic:
 * the expand half of expand/contract). Commands and resources that run a database client, a migration tool or
 * write SQL anywhere else are refused; read-only work (pg_dump, Render Postgres exports) is allowed.
 *
 * Pulumi resource hooks are functions in the program and never reach a policy: they are out of this rule's reach
 * and must not touch a database (README).
 */

/** Tools whose invocation writes to a database (or may: psql runs whatever it is given). */
const WRITE_TOOLS =
  /(?<![\w./-])(psql|pg_restore|createdb|dropdb|createuser|dropuser|pgbench|mysql|mongosh|redis-cli|flyway|liquibase|sqitch|goose|dbmate|atlas|alembic|knex|sequelize|typeorm|prisma|diesel|rails\s+db:|rake\s+db:|manage\.py\s+(migrate|flush|loaddata|dbshell)|npm\s+run\s+(db:|migrate)|npx\s+(prisma|knex|sequelize|typeorm)|migrate)(?![\w.-])/i;
/** SQL that writes. */
const WRITE_SQL =
  /\b(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|TRUNCATE|DROP\s+(TABLE|SCHEMA|DATABASE|INDEX|COLUMN|VIEW)|ALTER\s+(TABLE|SCHEMA|DATABASE|ROLE)|CREATE\s+(TABLE|SCHEMA|INDEX|ROLE|EXTENSION)|GRANT|REVOKE|COPY\s+\S+\s+FROM)\b/i;
/** Read-only database tools. */
const READ_ONLY_TOOLS = /(?<![\w./-])(pg_dump|pg_dumpall|pg_isready)(?![\w-])/i;
/** Resource type prefixes of database-management providers (pulumi-postgresql, pulumi-mysql). */
const DB_PROVIDER_TYPES = /^(postgresql|mysql|mongodbatlas|redis):/;

/** Why a command string writes to a database, or undefined (read-only or unrelated). */
export function databaseWrite(command: string): string | undefined {
  const tool = WRITE_TOOLS.exec(command);
  if (tool) return `it runs ${tool[1].trim()}`;
  const sql = WRITE_SQL.exec(command);
  if (sql && !READ_ONLY_TOOLS.test(command.replace(WRITE_SQL, ""))) return `it runs SQL that writes (${sql[1].replace(/\s+/g, " ")})`;
  return undefined;
}

/** Service fields that run in the service itself at build or start time (not the migration step). */
const SERVICE_COMMANDS = ["buildCommand", "startCommand"] as const;

export function productionDatabaseWrites(r: ResourceFacts, environment: Environment): RuleResult {
  if (environment !== "production") return notApplicable("only production's databases are guarded");
  const who = describeResource(r);
  const fix =
    "Run schema changes as a migration in the service's preDeployCommand (expand) or as a reviewed contract migration; read-only work such as pg_dump or a render:PostgresExport is allowed.";
  if (DB_PROVIDER_TYPES.test(r.type)) {
    return violations([`${who} must not manage a production database's contents from this stack: ${r.type} writes to the database directly. ${fix}`]);
  }
  const out: string[] = [];
  if (r.type === TYPES.localCommand || r.type === TYPES.remoteCommand) {
    for (const field of ["create", "update", "delete"]) {
      const cmd = str(r.props[field]);
      const why = cmd ? databaseWrite(cmd) : undefined;
      if (why) out.push(`${who} must not write to a production database: its ${field} command ${why}. ${fix}`);
    }
    return violations(out);
  }
  if (r.type === TYPES.service) {
    for (const field of SERVICE_COMMANDS) {
      const cmd = str(r.props[field]);
      const why = cmd ? databaseWrite(cmd) : undefined;
      if (why)
        out.push(`${who} must not write to a production database from ${field}: ${why}, outside the migration step. Move it to preDeployCommand. ${fix}`);
    }
    return violations(out);
  }
  // Any other resource: a field that carries SQL or a migration tool call is a write outside the migration step.
  for (const at of stringsIn(r.props, new Set(["__provider"]))) {
    if (at.path.endsWith(" (key)")) continue;
    const why = WRITE_SQL.test(at.value) ? databaseWrite(at.value) : undefined;
    if (why) out.push(`${who} must not write to a production database: ${at.path} ${why}. ${fix}`);
  }
  return violations(out);
}

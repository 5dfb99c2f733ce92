import { databaseWrite, productionDatabaseWrites } from "../rules/database";
import { TYPES } from "../rules/types";
import { messages, res } from "./fixtures";

describe("production-database-writes", () => {
  test("a pg_dump export command is read-only and allowed", () => {
    expect(
      productionDatabaseWrites(res(TYPES.localCommand, "backup", { create: 'pg_dump --format=custom "$DATABASE_URL" > backup.dump' }), "production"),
    ).toEqual({ status: "compliant" });
  });

  test("a psql command is refused in production, naming the step and the fix", () => {
    const m = messages(productionDatabaseWrites(res(TYPES.localCommand, "seed", { create: 'psql "$DATABASE_URL" -f seed.sql' }), "production"));
    expect(m[0]).toBe(
      'command:local:Command "seed" must not write to a production database: its create command it runs psql. Run schema changes as a migration in the service\'s preDeployCommand (expand) or as a reviewed contract migration; read-only work such as pg_dump or a render:PostgresExport is allowed.',
    );
  });

  test("a pg_restore in a command's delete step is refused", () => {
    expect(
      messages(productionDatabaseWrites(res(TYPES.localCommand, "c", { create: "true", delete: 'pg_restore -d "$DB" old.dump' }), "production"))[0],
    ).toMatch(/its delete command it runs pg_restore/);
  });

  test("a migration tool in a service's start command is refused (only preDeployCommand migrates)", () => {
    const m = messages(
      productionDatabaseWrites(res(TYPES.service, "api-blue", { name: "api-blue", startCommand: "npx prisma migrate deploy && node server.js" }), "production"),
    );
    expect(m[0]).toMatch(/must not write to a production database from startCommand: it runs (npx )?prisma/);
  });

  test("the migration step (preDeployCommand) may migrate", () => {
    expect(
      productionDatabaseWrites(
        res(TYPES.service, "api-blue", { name: "api-blue", preDeployCommand: "npx prisma migrate deploy", startCommand: "node server.js" }),
        "production",
      ).status,
    ).toBe("compliant");
  });

  test("a database provider resource is refused in production", () => {
    expect(messages(productionDatabaseWrites(res("postgresql:index/grant:Grant", "g", { role: "app" }), "production"))[0]).toMatch(
      /writes to the database directly/,
    );
  });

  test("SQL that writes, carried by any other resource, is refused", () => {
    expect(messages(productionDatabaseWrites(res("custom:hook:Job", "j", { sql: "DELETE FROM orders WHERE 1=1" }), "production"))[0]).toMatch(
      /sql it runs SQL that writes \(DELETE FROM\)/,
    );
  });

  test("staging is not guarded by this rule", () => {
    expect(productionDatabaseWrites(res(TYPES.localCommand, "seed", { create: "psql -f seed.sql" }), "staging").status).toBe("not-applicable");
  });

  test("the classifier tells reads from writes", () => {
    expect(databaseWrite("pg_dump db > migrate.sql")).toBeUndefined();
    expect(databaseWrite("echo 'SELECT 1'")).toBeUndefined();
    expect(databaseWrite("node -e \"db.query('TRUNCATE t')\"")).toMatch(/TRUNCATE/);
    expect(databaseWrite("bin/rails db:migrate")).toMatch(/it runs (rails db:|migrate)/);
  });
});

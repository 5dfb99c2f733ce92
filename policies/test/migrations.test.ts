import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lintSqlFiles } from "../lib/squawk";
import { compareVersions, imageTag, migrationBackwardCompatible, MigrationFile, phaseOf, slotVersions, waitsForOf } from "../rules/migrations";
import { TYPES } from "../rules/types";
import { messages, res } from "./fixtures";

describe("migrations-backward-compatible (rule)", () => {
  const drop = { file: "x.sql", line: 3, rule: "ban-drop-column", message: "Dropping a column may break existing clients." };
  const contract = (over: Partial<MigrationFile> = {}): MigrationFile => ({
    file: "migrations/0007_drop_note.contract.sql",
    phase: "contract",
    waitsFor: { app: "api", version: "1.4.1" },
    findings: [drop],
    ...over,
  });
  const retired = new Map([["api", ["1.4.2", "1.4.3"]]]);

  test("a contract migration after the previous slot is retired is compliant", () => {
    expect(migrationBackwardCompatible(contract(), retired)).toEqual({ status: "compliant" });
  });
  test("a destructive statement in an expand migration is refused with its line", () => {
    expect(messages(migrationBackwardCompatible(contract({ file: "migrations/0007_drop_note.sql", phase: "expand" }), retired))[0]).toMatch(
      /^Migration migrations\/0007_drop_note\.sql must be backward compatible \(expand phase\): line 3 drops a column\. .*\.contract\.sql/,
    );
  });
  test("a contract migration without its header is refused", () => {
    expect(messages(migrationBackwardCompatible(contract({ waitsFor: undefined }), retired))[0]).toMatch(
      /must say which release it waits for: add the header "-- stackguard:previous-slot-retired <app>@<version>"/,
    );
  });
  test("a contract migration while a slot still runs the old version is refused", () => {
    expect(messages(migrationBackwardCompatible(contract(), new Map([["api", ["1.4.1", "1.4.2"]]])))[0]).toMatch(
      /must not run yet: a slot of api still runs 1\.4\.1/,
    );
  });
  test("a contract migration for an app with no slots in the stack is refused", () => {
    expect(messages(migrationBackwardCompatible(contract(), new Map()))[0]).toMatch(/no slot of api is in this stack/);
  });
  test("non-destructive findings do not block", () => {
    expect(migrationBackwardCompatible(contract({ phase: "expand", findings: [{ ...drop, rule: "prefer-robust-stmts" }] }), retired).status).toBe("compliant");
  });
  test("helpers: phase, header, versions, image tags, slots", () => {
    expect(phaseOf("migrations/contract/0001.sql")).toBe("contract");
    expect(phaseOf("migrations/0001.expand.sql")).toBe("expand");
    expect(waitsForOf("-- stackguard:previous-slot-retired api@1.4.1\nALTER TABLE t DROP COLUMN c;")).toEqual({ app: "api", version: "1.4.1" });
    expect(compareVersions("1.10.0", "1.9.9")).toBe(1);
    expect(imageTag("docker.io/org/api:1.4.2")).toBe("1.4.2");
    expect(imageTag("localhost:5000/api")).toBeUndefined();
    expect(imageTag("docker.io/org/api@sha256:abc")).toBeUndefined();
    const slots = slotVersions([
      res(TYPES.service, "api-blue", { name: "api-blue", image: "docker.io/org/api:1.4.2" }),
      res(TYPES.service, "api-green", { name: "api-green", image: "docker.io/org/api:1.4.1" }),
      res(TYPES.service, "worker", { name: "worker", image: "docker.io/org/worker:1.4.1" }),
    ]);
    expect(slots.get("api")).toEqual(["1.4.2", "1.4.1"]);
    expect(slots.has("worker")).toBe(false);
  });
});

describe("squawk (the real binary from the pack's node_modules)", () => {
  test("finds the destructive statements the rule classifies, with 1-based lines", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-squawk-"));
    try {
      const file = path.join(dir, "0001.sql");
      fs.writeFileSync(
        file,
        [
          "ALTER TABLE orders ADD COLUMN note text;",
          "ALTER TABLE orders DROP COLUMN legacy;",
          "ALTER TABLE orders RENAME COLUMN a TO b;",
          "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);",
          "ALTER TABLE orders ADD COLUMN flag boolean NOT NULL;",
        ].join("\n"),
      );
      const rules = (lintSqlFiles([file]).get(file) ?? []).map((f) => `${f.line}:${f.rule}`);
      expect(rules).toEqual(expect.arrayContaining(["2:ban-drop-column", "3:renaming-column", "4:changing-column-type", "5:adding-required-field"]));
      expect(rules.filter((r) => r.startsWith("1:") && r !== "1:prefer-robust-stmts" && !r.includes("timeout"))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

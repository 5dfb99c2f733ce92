import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseStackConfig, StackConfigError } from "../../../infra/config/load";

const ROOT = path.resolve(__dirname, "..", "..", "..");

function rawConfig(stack: string): Record<string, any> {
  const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  return Object.fromEntries(
    Object.entries(doc.config as Record<string, unknown>)
      .filter(([k]) => k.startsWith("stackguard:"))
      .map(([k, v]) => [k.slice(11), v]),
  );
}

function problemsOf(stack: string, raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(stack, raw);
  } catch (e) {
    if (e instanceof StackConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

const restore = {
  id: "dpg-d4restored0000000000-a",
  name: "platform-db-staging-pitr-202611270030",
  sourceId: "dpg-d4source000000000000-a",
  restoreTime: "2026-11-27T00:30:00Z",
};

describe("stackguard:database.restore (written by npm run db:restore)", () => {
  it("is optional: the committed configs have none", () => {
    for (const stack of ["staging", "production"]) expect(parseStackConfig(stack, rawConfig(stack)).database.restore).toBeUndefined();
  });

  it("accepts a recovered database and keeps it as written", () => {
    const raw = rawConfig("staging");
    raw.database.restore = restore;
    expect(parseStackConfig("staging", raw).database.restore).toEqual(restore);
  });

  it("refuses AlphaStack's database, naming the field", () => {
    const raw = rawConfig("production");
    raw.database.restore = { ...restore, id: "dpg-alphastackdb00000000-a" };
    const problems = problemsOf("production", raw);
    expect(problems.join("\n")).toMatch(/stackguard:database\.restore\.id: dpg-alphastackdb00000000-a is AlphaStack's database/);
  });

  it.each([
    ["id", { id: "postgres-1" }, /stackguard:database\.restore\.id: must be a Render id like dpg-/],
    ["restoreTime", { restoreTime: "2026-11-27 00:30" }, /stackguard:database\.restore\.restoreTime/],
    ["an unknown key", { note: "x" }, /stackguard:database\.restore: .*Remove note/],
  ])("names the field for a bad %s", (_what, patch, pattern) => {
    const raw = rawConfig("staging");
    raw.database.restore = { ...restore, ...patch };
    expect(problemsOf("staging", raw).join("\n")).toMatch(pattern);
  });
});

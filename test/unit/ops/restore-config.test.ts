import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackConfigFile } from "../../../infra/cost/read-stack-file";
import { writeRestoreRef } from "../../../infra/ops/restore-config";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const ref = {
  id: "dpg-dc4d7o438hj27b8r5kr0-a",
  name: "platform-db-staging-pitr-202611270050",
  sourceId: "dpg-dc4d7js38hj27b8r5k9g-a",
  restoreTime: "2026-11-27T00:50:39.321Z",
};

describe("writeRestoreRef", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-restore-config-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.staging.yaml"), path.join(dir, "Pulumi.staging.yaml"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("adds stackguard:database.restore, keeping comments and every other value", () => {
    const before = fs.readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8");
    const returned = writeRestoreRef(dir, "staging", ref);
    expect(returned).toBe(before);
    const after = fs.readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8");
    expect(after).toContain("# Staging: its own Render workspace");
    const cfg = readStackConfigFile("staging", dir);
    expect(cfg.database.restore).toEqual(ref);
    expect(cfg.database.name).toBe("platform-db-staging");
    // Pulumi's YAML reader would turn a plain timestamp into a Go time with another format: it must be quoted.
    expect(after).toContain(`restoreTime: "${ref.restoreTime}"`);
  });

  it("replaces a previous restore", () => {
    writeRestoreRef(dir, "staging", ref);
    writeRestoreRef(dir, "staging", { ...ref, id: "dpg-dc4d7o438hj27b8r5kr1-a" });
    expect(readStackConfigFile("staging", dir).database.restore!.id).toBe("dpg-dc4d7o438hj27b8r5kr1-a");
  });

  it("puts the file back when the result does not validate", () => {
    const before = fs.readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8");
    expect(() => writeRestoreRef(dir, "staging", { ...ref, id: "dpg-alphastackdb00000000-a" })).toThrow(
      /database\.restore\.id: dpg-alphastackdb00000000-a is AlphaStack's database/,
    );
    expect(fs.readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8")).toBe(before);
  });
});

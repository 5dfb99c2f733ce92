import { spawnSync } from "node:child_process";
import * as path from "node:path";

/**
 * Issue 14 (pack overhead): the pack's process defers the SDK's `typescript` and `@npmcli/arborist` until something
 * uses them (policies/lazy-sdk.js). Run in a child process: jest has its own module registry, the engine does not.
 */

const PACK = path.join(__dirname, "..");

/** Runs `body` in a plain node process started in the pack's directory, after the deferral, and returns its JSON. */
function inPackProcess(body: string): Record<string, unknown> {
  const script = `
const util = require("node:util");
const files = require("./lazy-sdk").deferUnusedSdkModules();
const proxied = () => files.map((f) => util.types.isProxy(require.cache[f].exports));
const pulumi = require("@pulumi/pulumi");
require("@pulumi/policy");
(async () => { ${body} })().then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: PACK, encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe("the SDK modules a policy pack never uses", () => {
  test("are not loaded by the SDK and @pulumi/policy", () => {
    const r = inPackProcess(`return { files: files.map((f) => require("node:path").relative(process.cwd(), f)), proxied: proxied() };`);
    expect(r.files).toEqual([
      path.join("node_modules", "typescript", "lib", "typescript.js"),
      path.join("node_modules", "@npmcli", "arborist", "lib", "index.js"),
    ]);
    expect(r.proxied).toEqual([true, true]);
  }, 180_000);

  test("still work when used: function serialization loads typescript, code paths load arborist", () => {
    const r = inPackProcess(`
const text = (await pulumi.runtime.serializeFunction(() => 6 * 7)).text;
const afterSerialize = proxied();
const codePaths = (await pulumi.runtime.computeCodePaths({})).size;
return { serialized: text.includes("6 * 7"), afterSerialize, codePaths, afterCodePaths: proxied() };`);
    expect(r).toEqual({ serialized: true, afterSerialize: [false, true], codePaths: expect.any(Number), afterCodePaths: [false, false] });
    expect(r.codePaths).toBeGreaterThan(0);
  }, 180_000);
});

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { main } from "../../../tools/scripts/report-cost";
import { loadPriceTable } from "../../../infra/cost/prices";

const ROOT = path.resolve(__dirname, "..", "..", "..");

async function run(argv: string[], root = ROOT): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) }, root);
  return { code, out, err };
}

describe("npm run report:cost", () => {
  it("prints JSON whose totals match its lines, with the price table's date", async () => {
    const r = await run(["--stack", "production", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.stack).toBe("production");
    expect(report.priceTable.retrieved).toBe(loadPriceTable().retrieved);
    const sum = report.lines.reduce((a: number, l: { monthly: number }) => a + l.monthly, 0);
    expect(report.totals.baseline).toBeCloseTo(sum, 2);
  });

  it("prints a table whose baseline is the JSON's", async () => {
    const json = JSON.parse((await run(["--stack", "staging", "--json"])).out);
    const table = await run(["--stack", "staging"]);
    expect(table.code).toBe(0);
    expect(table.out).toContain(`$${json.totals.baseline.toFixed(2)}`);
    expect(table.out).toMatch(/warm idle slot/);
    expect(table.out).toMatch(/autoscaling may add, at max/);
  });

  it("fails on an unknown stack with the known ones, exit 2", async () => {
    const r = await run(["--stack", "prod"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown stack 'prod': there is no Pulumi.prod.yaml. Known stacks: production, staging.");
    expect(r.out).toBe("");
  });

  it("fails on an invalid stack config through the one schema, naming the key", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "sg-cost-"));
    const text = fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8").replace("plan: basic_1gb", "plan: huge_1tb");
    fs.writeFileSync(path.join(root, "Pulumi.staging.yaml"), text);
    const r = await run(["--stack", "staging"], root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/stackguard:database\.plan: .*huge_1tb/);
  });

  it("fails without --stack and on an unknown option, exit 2 with the usage (infra/cli/define-cli.ts)", async () => {
    expect(await run([])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--stack <stack> is required, e\.g\. --stack staging\nusage: npm run report:cost/),
    });
    expect(await run(["--stack", "staging", "--cheap"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/Unknown option '--cheap'[\s\S]*usage: npm run report:cost/),
    });
    expect(await run(["--stack", "staging", "--db-storage-gb", "lots"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--db-storage-gb must be a whole number/),
    });
    expect(await run(["--help"])).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: npm run report:cost/), err: "" });
  });

  it("runs as the npm script", () => {
    const r = spawnSync("npm", ["run", "--silent", "report:cost", "--", "--stack", "staging", "--json"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).environment).toBe("staging");
  });
});

/**
 * `npm run report:cost -- --stack <stack> [--json] [--db-storage-gb <n>] [--prices <file>]`: the monthly cost of a
 * stack from Render's plan prices (infra/cost/render-prices.json), read from its `Pulumi.<stack>.yaml` through the one
 * config schema. Prints a table, or the report as JSON with `--json`. Reads no state and calls no API.
 *
 * Exit codes (infra/cli/define-cli.ts): 0 printed; 2 bad input (unknown stack, invalid config, unpriced plan, bad option),
 * with one clear line and the usage.
 */
import * as path from "node:path";
import { defineCli, runCli, stackConfig, stackOption, UsageError, type CliIO } from "../../infra/cli/define-cli";
import { estimateStackCost } from "../../infra/cost/estimate";
import { formatCostTable } from "../../infra/cost/format";
import { DEFAULT_PRICE_TABLE, loadPriceTable } from "../../infra/cost/prices";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npm run report:cost -- --stack <stack> [--json] [--db-storage-gb <n>] [--prices <file>]";

/** Runs the report; resolves to the exit code. Exported for tests (`root`: the project with the `Pulumi.<stack>.yaml`). */
export function main(argv: string[], io: CliIO = {}, root = ROOT): Promise<number> {
  return defineCli({
    usage: USAGE,
    name: "report:cost",
    options: { ...stackOption, json: { type: "boolean" }, "db-storage-gb": { type: "string" }, prices: { type: "string" } },
    run: ({ values, out }) => {
      const stack = values.stack as string | undefined;
      const cfg = stackConfig(stack, root);
      let dbStorageGB: number | undefined;
      if (values["db-storage-gb"] !== undefined) {
        dbStorageGB = Number(values["db-storage-gb"]);
        if (!Number.isInteger(dbStorageGB) || dbStorageGB <= 0)
          throw new UsageError(`--db-storage-gb must be a whole number of GB above 0 (got '${values["db-storage-gb"]}').`);
      }
      const prices = values.prices ? path.resolve(values.prices) : DEFAULT_PRICE_TABLE;
      let table;
      try {
        table = loadPriceTable(prices);
      } catch (e) {
        throw new UsageError(`--prices: ${(e as Error).message}`);
      }
      let report;
      try {
        report = estimateStackCost(stack!, cfg, table, { dbStorageGB, priceTableFile: path.relative(root, prices) || prices });
      } catch (e) {
        // An unpriced plan: the stack's config or the price table must be fixed.
        throw new UsageError((e as Error).message);
      }
      out(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatCostTable(report));
      return 0;
    },
  })(argv, io);
}

if (require.main === module) runCli((argv) => main(argv));
